/*
 * svg.c -- bar charts as inline SVG (see svg.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "svg.h"
#include "view.h"

void svg_bars(buf_t *b, const char *id, const char *title, const svg_point_t *pts, int n, bool pct, bool en)
{
    const int W = 600, H = 240, L = 50, B = 40, TOP = 24;
    double max = 0;
    for (int i = 0; i < n; i++)
        if (pts[i].has && pts[i].v > max)
            max = pts[i].v;
    if (max <= 0)
        max = 1;
    buf_printf(b, "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                  "role=\"img\" aria-label=\"", id, W, H, W, H);
    buf_esc(b, title);
    buf_puts(b, "\" style=\"background:#fff;border:1px solid #d0d7de\"><title>");
    buf_esc(b, title);
    buf_printf(b, "</title><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#57606a\"/>", L, H - B, W - 10, H - B);
    double slot = n ? (double)(W - L - 20) / n : 0;
    for (int i = 0; i < n; i++) {
        double x = L + 10 + slot * i, bw = slot * 0.6;
        double h = pts[i].has ? (pts[i].v / max) * (H - B - TOP) : 0;
        buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#8b1c1c\"/>", x,
                   H - B - h, bw, h);
        buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">", x + bw / 2,
                   H - B - h - 4);
        if (!pts[i].has)
            buf_puts(b, "–");
        else if (pct)
            view_pct(b, pts[i].v, en);
        else
            view_dec(b, pts[i].v, 0, true, en);
        buf_puts(b, "</text>");
        buf_printf(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">", x + bw / 2, H - B + 16);
        buf_esc(b, pts[i].label);
        buf_puts(b, "</text>");
    }
    buf_puts(b, "</svg>");
}

void svg_share(buf_t *b, double share, bool en)
{
    int w = (int)(300 * (share < 0 ? 0 : share > 1 ? 1 : share) + 0.5);
    buf_printf(b, "<svg class=\"share\" xmlns=\"http://www.w3.org/2000/svg\" width=\"360\" height=\"22\" "
                  "viewBox=\"0 0 360 22\" role=\"img\" aria-label=\"%.1f%%\"><rect width=\"300\" height=\"18\" fill=\"#eef2f6\" stroke=\"#d0d7de\"/>"
                  "<rect width=\"%d\" height=\"18\" fill=\"#2da44e\"/><text x=\"306\" y=\"14\" font-size=\"13\">",
               100 * share, w);
    view_pct(b, share, en);
    buf_puts(b, "</text></svg>");
}

void svg_stacked(buf_t *b, const char *id, const char *title, const svg_stack_t *rows, int n,
                 const char *const *series, const char *const *colors, int nseries, bool en)
{
    const int W = 600, rowh = 26, L = 120;
    buf_printf(b, "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                  "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", id, W, n * rowh + 40, W, n * rowh + 40);
    buf_esc(b, title);
    buf_puts(b, "\" style=\"background:#fff;border:1px solid #d0d7de\">");
    for (int i = 0; i < n; i++) {
        long long e = rows[i].total;
        double x = L;
        int y = 10 + i * rowh;
        buf_printf(b, "<text x=\"4\" y=\"%d\" font-size=\"12\">", y + 14);
        buf_esc(b, rows[i].label);
        buf_puts(b, " (");
        view_int(b, e, en);
        buf_puts(b, ")</text>");
        for (int s = 0; s < nseries && e > 0; s++) {
            long long q = rows[i].count[s];
            double wd = (double)(W - L - 20) * (double)q / (double)e;
            if (q > 0) {
                buf_printf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"><title>", x, y, wd,
                           colors[s]);
                buf_esc(b, series[s]);
                buf_puts(b, ": ");
                view_int(b, q, en);
                buf_puts(b, "</title></rect>");
            }
            x += wd;
        }
    }
    int y = 14 + n * rowh, lx = 4;
    for (int s = 0; s < nseries; s++) {
        buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" "
                      "font-size=\"12\">", lx, y, colors[s], lx + 16, y + 11);
        buf_esc(b, series[s]);
        buf_puts(b, "</text>");
        /* About 7 px per character at 12 px: the next item starts after this label. */
        int chars = 0;
        for (const unsigned char *ch = (const unsigned char *)series[s]; *ch; ch++)
            chars += (*ch & 0xc0) != 0x80;
        lx += 16 + chars * 7 + 14;
    }
    buf_puts(b, "</svg>");
}
