/*
 * lex.c - the tokenizer shared by the config, inventory and rules files.
 *
 * See lex.h for the syntax.  The whole file is read into memory (bounded by
 * LEX_MAX_FILE), scanned once, and split into statements of tokens that
 * each remember their line.  A bad line drops its statement and is
 * reported; scanning goes on so that every error is found in one pass.
 * The canonical printers of the three files quote words through
 * lex_print_word()/lex_print_quoted(), the inverse of the scan.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conformd/lex.h"

#define LEX_MAX_FILE	(16u * 1024 * 1024)	/* a config larger than this is not a config */
#define LEX_MAX_TOKEN	4096			/* longest word or quoted string */

struct lexer {
	const char	*name;
	struct diag	*d;
	struct lexfile	*lf;
	/* statement being built */
	struct token	*tok;
	int		 ntok, captok;
	int		 bad;		/* an error was reported: drop the statement */
	int		 depth;		/* open braces */
	int		 block_line;	/* line of the outermost open brace */
	/* word being built */
	char		 word[LEX_MAX_TOKEN + 1];
	size_t		 wlen;
	int		 in_word;
	int		 wquoted;
	int		 wline;
	int		 oom;
};

static void
lex_word_start(struct lexer *lx, int line, int quoted)
{
	lx->in_word = 1;
	lx->wlen = 0;
	lx->wline = line;
	lx->wquoted = quoted;
}

static int
lex_word_add(struct lexer *lx, char c, int line)
{
	if (lx->wlen >= LEX_MAX_TOKEN) {
		if (!lx->bad)
			diag_error(lx->d, lx->name, line,
			    "word longer than %d characters", LEX_MAX_TOKEN);
		lx->bad = 1;
		return -1;
	}
	lx->word[lx->wlen++] = c;
	return 0;
}

static void
lex_word_end(struct lexer *lx)
{
	struct token *t;

	if (!lx->in_word)
		return;
	lx->in_word = 0;
	if (lx->bad)
		return;
	if (lx->ntok == lx->captok) {
		int ncap = lx->captok ? lx->captok * 2 : 8;
		struct token *nt = realloc(lx->tok, (size_t)ncap * sizeof(*nt));
		if (nt == NULL) {
			lx->oom = 1;
			lx->bad = 1;
			return;
		}
		lx->tok = nt;
		lx->captok = ncap;
	}
	t = &lx->tok[lx->ntok];
	t->text = malloc(lx->wlen + 1);
	if (t->text == NULL) {
		lx->oom = 1;
		lx->bad = 1;
		return;
	}
	memcpy(t->text, lx->word, lx->wlen);
	t->text[lx->wlen] = '\0';
	t->line = lx->wline;
	t->quoted = lx->wquoted;
	lx->ntok++;
}

static void
lex_tokens_free(struct token *tok, int n)
{
	for (int i = 0; i < n; i++)
		free(tok[i].text);
}

/* End the current statement: keep it, or drop it when a line was bad. */
static void
lex_stmt_end(struct lexer *lx)
{
	struct lexfile *lf = lx->lf;

	lex_word_end(lx);
	if (lx->bad || lx->ntok == 0) {
		lex_tokens_free(lx->tok, lx->ntok);
		free(lx->tok);
		goto reset;
	}
	/* The capacity is implied by the count (the next power of two, at
	 * least 4): grown by doubling, not by one statement at a time, which
	 * made a 100,000-line inventory cost 100,000 reallocs and copies. */
	if (lf->nstmt == 0 || (lf->nstmt >= 4 && (lf->nstmt & (lf->nstmt - 1)) == 0)) {
		size_t cap = lf->nstmt == 0 ? 4 : (size_t)lf->nstmt * 2;
		struct stmt *ns = realloc(lf->stmt, cap * sizeof(*ns));

		if (ns == NULL) {
			lx->oom = 1;
			lex_tokens_free(lx->tok, lx->ntok);
			free(lx->tok);
			goto reset;
		}
		lf->stmt = ns;
	}
	lf->stmt[lf->nstmt].tok = lx->tok;
	lf->stmt[lf->nstmt].ntok = lx->ntok;
	lf->stmt[lf->nstmt].line = lx->tok[0].line;
	lf->nstmt++;
reset:
	lx->tok = NULL;
	lx->ntok = lx->captok = 0;
	lx->bad = 0;
}

int
lex_buffer(const char *name, const char *buf, size_t len, struct lexfile *lf,
    struct diag *d)
{
	struct lexer lx;
	size_t i;
	int line = 1;

	memset(lf, 0, sizeof(*lf));
	lf->path = strdup(name);
	if (lf->path == NULL)
		return -1;
	memset(&lx, 0, sizeof(lx));
	lx.name = lf->path;
	lx.d = d;
	lx.lf = lf;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\0') {
			diag_error(d, lf->path, line,
			    "binary data (NUL byte): not a text file");
			lex_stmt_end(&lx);
			lex_free(lf);
			lf->path = NULL;
			return -1;
		}
		if (c == '\n') {
			lex_word_end(&lx);
			if (lx.depth == 0)
				lex_stmt_end(&lx);
			line++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			lex_word_end(&lx);
			continue;
		}
		if (c == '#' && !lx.in_word) {
			while (i + 1 < len && buf[i + 1] != '\n')
				i++;
			continue;
		}
		if (c == '\\') {
			/* A backslash before the end of the line continues it. */
			size_t j = i + 1;
			while (j < len && (buf[j] == ' ' || buf[j] == '\t' || buf[j] == '\r'))
				j++;
			if (j >= len || buf[j] == '\n') {
				lex_word_end(&lx);
				i = j;		/* skip the newline: the statement goes on */
				line++;
				continue;
			}
			/* otherwise an ordinary character of a word */
		}
		if (c == '{' && !lx.in_word) {
			if (lx.depth++ == 0)
				lx.block_line = line;
			continue;
		}
		if (c == '}' && !lx.in_word) {
			if (lx.depth == 0) {
				if (!lx.bad)
					diag_error(d, lf->path, line, "unbalanced '}'");
				lx.bad = 1;
				continue;
			}
			if (--lx.depth == 0)
				lex_stmt_end(&lx);
			continue;
		}
		if (c == '"' && !lx.in_word) {
			int start = line;
			lex_word_start(&lx, line, 1);
			for (i++; i < len && buf[i] != '"' && buf[i] != '\n'; i++) {
				char ch = buf[i];
				if (ch == '\0')
					break;
				/* control characters are refused in quotes too, so
				 * that every word a file can hold prints back */
				if (((unsigned char)ch < 0x20 && ch != '\t') || ch == 0x7f) {
					if (!lx.bad)
						diag_error(d, lf->path, line,
						    "invalid character 0x%02x", (unsigned char)ch);
					lx.bad = 1;
					continue;
				}
				if (ch == '\\' && i + 1 < len &&
				    (buf[i + 1] == '"' || buf[i + 1] == '\\'))
					ch = buf[++i];
				lex_word_add(&lx, ch, line);
			}
			if (i >= len || buf[i] != '"') {
				if (!lx.bad)
					diag_error(d, lf->path, start, "unterminated quoted string");
				lx.bad = 1;
				lx.in_word = 0;
				i--;		/* let the newline (or NUL) be seen */
				continue;
			}
			lex_word_end(&lx);
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			if (!lx.bad)
				diag_error(d, lf->path, line,
				    "invalid character 0x%02x", c);
			lx.bad = 1;
			continue;
		}
		if (!lx.in_word)
			lex_word_start(&lx, line, 0);
		lex_word_add(&lx, (char)c, line);
	}
	if (lx.depth > 0) {
		diag_error(d, lf->path, lx.block_line,
		    "unterminated block: '{' has no matching '}'");
		lx.bad = 1;
	}
	lex_stmt_end(&lx);
	if (lx.oom) {
		diag_error(d, lf->path, 0, "out of memory");
		return -1;
	}
	return 0;
}

int
lex_file(const char *path, struct lexfile *lf, struct diag *d)
{
	struct stat sb;
	char *buf;
	size_t got = 0;
	int fd, rv;

	memset(lf, 0, sizeof(*lf));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		diag_error(d, path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		diag_error(d, path, 0, "cannot stat: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		diag_error(d, path, 0, "not a regular file");
		close(fd);
		return -1;
	}
	if ((uint64_t)sb.st_size > LEX_MAX_FILE) {
		diag_error(d, path, 0, "file too large (more than %u bytes)", LEX_MAX_FILE);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (buf == NULL) {
		diag_error(d, path, 0, "out of memory");
		close(fd);
		return -1;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			diag_error(d, path, 0, "read error: %s", strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	rv = lex_buffer(path, buf, got, lf, d);
	free(buf);
	return rv;
}

void
lex_free(struct lexfile *lf)
{
	for (int i = 0; i < lf->nstmt; i++) {
		lex_tokens_free(lf->stmt[i].tok, lf->stmt[i].ntok);
		free(lf->stmt[i].tok);
	}
	free(lf->stmt);
	free(lf->path);
	memset(lf, 0, sizeof(*lf));
}

int
lex_number(const char *s, unsigned long min, unsigned long max, unsigned long *v)
{
	unsigned long n = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (n > (ULONG_MAX - 9) / 10)
			return -1;
		n = n * 10 + (unsigned long)(*s - '0');
	}
	if (n < min || n > max)
		return -1;
	*v = n;
	return 0;
}

void
lex_print_quoted(const char *w, FILE *out)
{
	fputc('"', out);
	for (; *w != '\0'; w++) {
		if (*w == '"' || *w == '\\')
			fputc('\\', out);
		fputc(*w, out);
	}
	fputc('"', out);
}

void
lex_print_word(const char *w, FILE *out)
{
	if (w[0] != '\0' && strpbrk(w, " \t#\"\\{},") == NULL)
		fputs(w, out);
	else
		lex_print_quoted(w, out);
}
