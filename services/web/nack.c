/*
 * nack.c -- the refusal codes as sentences for the web's users (nack.h).
 */
#include <string.h>

#include "nack.h"

/* X(code, Vietnamese, English) -- every code of PROTO_ERRORS a SUBMIT or a
 * DECIDE can be refused with. */
#define NACK_SENTENCES(X)                                                                                      \
    X("E_MALFORMED", "Máy chủ không đọc được biểu mẫu đã gửi. Hãy tải lại trang rồi gửi lại.",                  \
      "The server could not read what was sent. Reload the page and send it again.")                           \
    X("E_TOO_LARGE", "Báo cáo quá dài (ghi chú hoặc nhận xét quá nhiều chữ).",                                   \
      "The report is too long (too much text in the notes or comments).")                                      \
    X("E_VERSION", "Máy chủ nhận báo cáo dùng phiên bản khác; hãy báo quản trị viên.",                           \
      "The collector speaks another protocol version; tell the administrator.")                                \
    X("E_TYPE", "Máy chủ nhận báo cáo không nhận loại yêu cầu này; hãy báo quản trị viên.",                      \
      "The collector does not take this kind of request; tell the administrator.")                             \
    X("E_FIELD", "Có thông tin bị thiếu hoặc sai dạng (kỳ, mẫu báo cáo hoặc ghi chú).",                          \
      "Some information is missing or malformed (period, dataset or note).")                                   \
    X("E_UNKNOWN_UNIT", "Bạn không có quyền gửi cho đơn vị này.", "You may not send for this unit.")           \
    X("E_FORBIDDEN", "Bạn không có quyền gửi cho đơn vị này.", "You may not send for this unit.")              \
    X("E_UNKNOWN_DATASET", "Mẫu báo cáo không có trong danh mục.", "The dataset is not in the catalog.")        \
    X("E_NOT_REQUIRED", "Đơn vị này không phải nộp mẫu báo cáo này.", "This unit does not report this dataset.") \
    X("E_UNIT_CLOSED", "Đơn vị chưa thành lập hoặc đã giải thể trong kỳ này.",                                   \
      "The unit did not exist during this period.")                                                            \
    X("E_PERIOD", "Kỳ báo cáo không đúng với loại kỳ của mẫu báo cáo.",                                          \
      "The period is not one of the dataset's periods.")                                                       \
    X("E_FUTURE_PERIOD", "Kỳ báo cáo này chưa bắt đầu.", "This period has not begun yet.")                     \
    X("E_UNKNOWN_INDICATOR", "Có chỉ tiêu không thuộc mẫu báo cáo này.", "An indicator is not part of this dataset.") \
    X("E_VALUE", "Có giá trị sai dạng hoặc quá lớn.", "A value has the wrong form or is too large.")            \
    X("E_NEGATIVE", "Số lượng không được âm.", "A count cannot be negative.")                                   \
    X("E_RATIO", "Tử số lớn hơn mẫu số (ví dụ số thủ tục đã niêm yết lớn hơn tổng số thủ tục).",                 \
      "A numerator is larger than its denominator (e.g. more procedures listed than there are).")             \
    X("E_TAG", "Có lựa chọn không thuộc danh sách của chỉ tiêu.", "A choice is not in the indicator's list.")  \
    X("E_EMPTY", "Báo cáo chưa có số liệu nào.", "The report has no values.")                                   \
    X("E_INCOMPLETE", "Báo cáo còn thiếu chỉ tiêu bắt buộc.", "The report leaves out required indicators.")     \
    X("E_DECISION",                                                                                            \
      "Quyết định này không còn áp dụng được: báo cáo đã được nộp lại, đã được quyết định, hoặc chưa được nhận.", \
      "This decision no longer applies: the report was corrected, already decided, or not received.")         \
    X("E_CONFLICT", "Yêu cầu này trùng mã với một lần gửi khác có nội dung khác. Hãy tải lại trang rồi gửi lại.", \
      "This request reuses the id of another one with different content. Reload the page and send again.")   \
    X("E_STORAGE", "Máy chủ chưa lưu được. Chưa có gì được ghi nhận; hãy gửi lại sau ít phút.",                   \
      "The server could not store it. Nothing was recorded; send it again in a few minutes.")                 \
    X("E_BUSY", "Máy chủ đang quá tải. Chưa có gì được ghi nhận; hãy gửi lại sau ít phút.",                       \
      "The server is overloaded. Nothing was recorded; send it again in a few minutes.")

static const struct {
    const char *code, *vi, *en;
} sentences[] = {
#define ROW(code, vi, en) {code, vi, en},
    NACK_SENTENCES(ROW)
#undef ROW
};

const char *nack_sentence(const char *code, bool en)
{
    for (size_t i = 0; i < sizeof sentences / sizeof sentences[0]; i++)
        if (code && !strcmp(sentences[i].code, code))
            return en ? sentences[i].en : sentences[i].vi;
    return en ? "The server refused the request." : "Máy chủ từ chối yêu cầu.";
}
