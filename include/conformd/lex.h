/*
 * lex.h - the tokenizer shared by the config, inventory and rules files.
 *
 * Syntax common to all three: one statement per line; `#` starts a comment
 * that runs to the end of the line; words are separated by blanks; a word
 * may be double-quoted to hold blanks ("a b", with \" and \\ escapes); a
 * line ending in a backslash continues on the next line; `{` and `}` group
 * the lines of a block into one statement (newlines inside a block do not
 * end the statement, and the braces themselves are not returned as tokens).
 * Every token remembers its own line, so errors point at the exact line.
 */
#ifndef CONFORMD_LEX_H
#define CONFORMD_LEX_H

#include <stdio.h>

#include "conformd/diag.h"

struct token {
	char	*text;		/* NUL-terminated, unquoted */
	int	 line;		/* 1-based line of the token's first character */
	int	 quoted;	/* 1 when the token was written in quotes */
};

struct stmt {
	struct token	*tok;	/* tok[0] is the statement keyword */
	int		 ntok;	/* >= 1 */
	int		 line;	/* line of tok[0] */
};

struct lexfile {
	char		*path;	/* as given to lex_file(), owned */
	struct stmt	*stmt;
	int		 nstmt;
};

/*
 * Read and tokenize `path`.  On success returns 0 and fills *lf (free with
 * lex_free()).  Errors (cannot open, not a regular file, binary data,
 * unterminated quote or block, unbalanced `}`) are reported through `d` as
 * `path:line: message`; the function returns -1 when the file could not be
 * read at all, and 0 with d->nerrors raised when only some lines were bad
 * (those lines are dropped).
 */
int lex_file(const char *path, struct lexfile *lf, struct diag *d);

/* Tokenize an in-memory buffer; `name` is used in messages. Same contract. */
int lex_buffer(const char *name, const char *buf, size_t len,
    struct lexfile *lf, struct diag *d);

/* Release everything lex_file()/lex_buffer() allocated. */
void lex_free(struct lexfile *lf);

/*
 * Strict number parsing shared by the parsers: decimal only, no sign, no
 * blanks, no trailing garbage, within [min, max].  Returns 0 and sets *v,
 * or -1.
 */
int lex_number(const char *s, unsigned long min, unsigned long max, unsigned long *v);

/*
 * Write `w` to `out` so that the tokenizer reads it back as the one word
 * `w`, for the canonical printers: in double quotes when it is empty or
 * holds a blank, tab, '#', '"', '\\', '{', '}' or ',' (a list separator
 * in the inventory), bare otherwise.  Inside the quotes '"' and '\\' are
 * escaped with a backslash.  `w` must not hold a newline.
 */
void lex_print_word(const char *w, FILE *out);

/*
 * Write `w` to `out` always in double quotes, '"' and '\\' escaped, for
 * values whose quoting carries meaning (a quoted word is never taken for a
 * keyword).  Same limits as lex_print_word().
 */
void lex_print_quoted(const char *w, FILE *out);

#endif /* CONFORMD_LEX_H */
