/* plot.c - gnuplot scripts: quoting, terminals, running gnuplot. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plot.h"
#include "util.h"

const char *const mlv_plot_colors[MLV_PLOT_NCOLORS] = {
	"#E69F00", "#56B4E9", "#009E73", "#F0E442",
	"#0072B2", "#D55E00", "#CC79A7", "#000000",
};

int
mlv_plot_type_parse(const char *name, enum mlv_plot_type *type)
{
	static const char *const names[] = {"svg", "png", "pdf"};
	for (int i = 0; i < 3; i++)
		if (!strcasecmp(name, names[i])) {
			*type = (enum mlv_plot_type)i;
			return 0;
		}
	return -1;
}

int
mlv_plot_type_of_path(const char *path, enum mlv_plot_type *type)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	if (!dot || (slash && dot < slash))
		return -1;
	return mlv_plot_type_parse(dot + 1, type);
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned min;
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) n = 2, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF) n = 3, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4) n = 4, min = 0x10000;
	else return 0;
	unsigned cp = c & (0xFF >> (n + 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	/* overlong forms, surrogates and code points past U+10FFFF */
	if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return n;
}

void
mlv_plot_string(FILE *f, const char *s, int flags)
{
	const unsigned char *p = (const unsigned char *)s;
	putc('\'', f);
	while (*p) {
		size_t n = utf8_len(p);
		if (n > 1) {
			fwrite(p, 1, n, f);
			p += n;
			continue;
		}
		unsigned char c = *p++;
		if (!n)
			putc('?', f);
		else if (c == '\n' && !(flags & MLV_PLOT_ONELINE))
			fputs("'.\"\\n\".'", f);
		else if (c < 0x20 || c == 0x7F)
			putc(' ', f);
		else if ((flags & MLV_PLOT_HYPERTEXT) && c == '\'')
			fputs("\xE2\x80\x99", f);
		else if ((flags & MLV_PLOT_HYPERTEXT) && c == '"')
			fputs("\xE2\x80\x9D", f);
		else if ((flags & MLV_PLOT_HYPERTEXT) && c == '\\')
			fputs("\xE2\x88\x96", f);
		else if (c == '\'')
			fputs("''", f);
		else
			putc(c, f);
	}
	putc('\'', f);
}

void
mlv_plot_terminal(FILE *f, enum mlv_plot_type type, int width, int height)
{
	switch (type) {
	case MLV_PLOT_SVG:
		fprintf(f, "set terminal svg size %d,%d dynamic noenhanced "
		        "font 'sans,12' background '#ffffff'\n", width, height);
		break;
	case MLV_PLOT_PNG:
		fprintf(f, "set terminal pngcairo size %d,%d noenhanced "
		        "font 'sans,10' background '#ffffff'\n", width, height);
		break;
	case MLV_PLOT_PDF:
		fprintf(f, "set terminal pdfcairo size %gin,%gin noenhanced "
		        "font 'sans,10'\n", width / 100.0, height / 100.0);
		break;
	}
	fputs("set termoption noenhanced\n", f);
}

char *
mlv_plot_tmpname(const char *path)
{
	char *tmp;
	int fd = mlv_temp_beside(path, &tmp);
	if (fd < 0)
		return NULL;
	close(fd);
	return tmp;
}

int
mlv_plot_run(const char *script, size_t len, char *err, size_t errlen)
{
	const char *cmd = getenv("MLV_GNUPLOT");
	if (!cmd || !*cmd)
		cmd = "gnuplot";
	int in[2], report[2];
	if (pipe(in) < 0 || pipe(report) < 0)
		return mlv_errf(err, errlen, "cannot run %s (%s)", cmd,
		                strerror(errno));
	fcntl(report[1], F_SETFD, FD_CLOEXEC);
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return mlv_errf(err, errlen, "cannot run %s (%s)", cmd,
		                strerror(errno));
	if (!pid) {
		close(report[0]);
		dup2(in[0], 0);
		close(in[0]);
		execlp(cmd, cmd, (char *)NULL);
		/* tell the parent why through the close-on-exec pipe */
		int e = errno;
		if (write(report[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	close(in[0]);
	close(report[1]);
	int e = 0;
	ssize_t got;
	while ((got = read(report[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(report[0]);
	if (got == (ssize_t)sizeof e) {
		close(in[1]);
		waitpid(pid, NULL, 0);
		if (e == ENOENT)
			return mlv_errf(err, errlen, "%s not found (install it: "
			                "apt-get install gnuplot-nox)", cmd);
		return mlv_errf(err, errlen, "cannot run %s (%s)", cmd,
		                strerror(e));
	}
	/* gnuplot may stop reading at an error: a write to it then fails
	 * with EPIPE, and its exit status tells what happened. */
	struct sigaction ign = {0}, old;
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(in[1], script + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(in[1]);
	sigaction(SIGPIPE, &old, NULL);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return mlv_errf(err, errlen, "%s: %s", cmd, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && off == len)
		return 0;
	if (WIFSIGNALED(status))
		return mlv_errf(err, errlen, "%s killed by signal %d", cmd,
		                WTERMSIG(status));
	return mlv_errf(err, errlen, "%s failed (exit status %d); see its "
	                "script with --script", cmd,
	                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}
