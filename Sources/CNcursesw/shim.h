#ifndef CORDON_NCURSES_SHIM_H
#define CORDON_NCURSES_SHIM_H

// SwiftPM drops pkg-config's -D_XOPEN_SOURCE, without which the wide-character
// API (get_wch, cchar_t, setcchar) is not declared.
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <ncurses.h>
#include <langinfo.h>

// Macros and globals Swift cannot import, wrapped as functions.
static inline WINDOW *cordon_stdscr(void) { return stdscr; }
static inline int cordon_lines(void) { return LINES; }
static inline int cordon_cols(void) { return COLS; }
static inline int cordon_colors(void) { return COLORS; }
static inline int cordon_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t cordon_a_bold(void) { return A_BOLD; }
static inline attr_t cordon_a_reverse(void) { return A_REVERSE; }
static inline attr_t cordon_a_dim(void) { return A_DIM; }
static inline attr_t cordon_a_underline(void) { return A_UNDERLINE; }
static inline attr_t cordon_a_normal(void) { return A_NORMAL; }
static inline int cordon_key_f(int n) { return KEY_F(n); }
static inline int cordon_key_resize(void) { return KEY_RESIZE; }
static inline int cordon_key_mouse(void) { return KEY_MOUSE; }

// Clicks, double clicks and the wheel; ncurses asks the terminal for the
// reports its terminfo names (SGR 1006 for xterm-256color).
static inline void cordon_mouse(int on) {
  mmask_t old;
  mmask_t want = BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED;
#ifdef BUTTON5_PRESSED
  want |= BUTTON5_PRESSED;
#endif
  mousemask(on ? want : 0, &old);
  mouseinterval(on ? 200 : 0);
}

// 0 nothing, 1 click, 2 double click, 3 wheel up, 4 wheel down.
static inline int cordon_get_mouse(int *x, int *y) {
  MEVENT e;
  if (getmouse(&e) != OK) return 0;
  *x = e.x;
  *y = e.y;
  if (e.bstate & BUTTON1_DOUBLE_CLICKED) return 2;
  if (e.bstate & BUTTON1_CLICKED) return 1;
  if (e.bstate & BUTTON4_PRESSED) return 3;
#ifdef BUTTON5_PRESSED
  if (e.bstate & BUTTON5_PRESSED) return 4;
#endif
  return 0;
}

// One cell: a base character plus up to four combining marks, written with
// the given attributes and colour pair (extended pairs go through opts).
static inline int cordon_put_cell(int y, int x, const wchar_t *wch, attr_t attrs, int pair) {
  cchar_t c;
  if (setcchar(&c, wch, attrs, 0, &pair) != OK) return ERR;
  return mvwadd_wch(stdscr, y, x, &c);
}

static inline FILE *cordon_stdin(void) { return stdin; }
static inline FILE *cordon_stdout(void) { return stdout; }
static inline const char *cordon_codeset(void) { return nl_langinfo(CODESET); }

static inline int cordon_get_wch(wint_t *out) { return wget_wch(stdscr, out); }
static inline int cordon_unget_wch(wchar_t c) { return unget_wch(c); }

// ppoll is behind _GNU_SOURCE in glibc's headers.
int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo_p, const sigset_t *sigmask);

#endif
