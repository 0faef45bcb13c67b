/* web.c - see web.h */
#include "web.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

size_t
mlv_base64(char *out, const void *in, size_t n)
{
	static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                             "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = in;
	char *o = out;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = digits[v >> 18];
		*o++ = digits[v >> 12 & 63];
		*o++ = digits[v >> 6 & 63];
		*o++ = digits[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 |
		             (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
		*o++ = digits[v >> 18];
		*o++ = digits[v >> 12 & 63];
		*o++ = i + 1 < n ? digits[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return (size_t)(o - out);
}

/* Length of the UTF-8 sequence at s (1 to 4), or 0 when it is not one
 * (overlong, a surrogate, past U+10FFFF, cut short); *cp its code point. */
static int
utf8_seq(const unsigned char *s, uint32_t *cp)
{
	int len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
	if (!len || s[0] > 0xF4)
		return 0;
	uint32_t c = s[0] & (0x3F >> (len - 1));
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
	if (c < least[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

char *
mlv_json_quote(const char *s)
{
	char *out = mlv_malloc(6 * strlen(s) + 3), *o = out;
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t cp = *p;
		int len = 1;
		if (*p >= 0x80 && !(len = utf8_seq(p, &cp))) {
			len = 1;
			o += sprintf(o, "\\ufffd");
		} else if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (*p == '\n') {
			o += sprintf(o, "\\n");
		} else if (*p == '\t') {
			o += sprintf(o, "\\t");
		} else if (cp < 0x20 || cp == 0x7F || cp == '<' || cp == '>' ||
		           cp == '&' || cp == 0x2028 || cp == 0x2029) {
			o += sprintf(o, "\\u%04x", (unsigned)cp);
		} else {
			memcpy(o, p, (size_t)len);
			o += len;
		}
		p += len;
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

char *
mlv_absolute_path(const char *dir, const char *path)
{
	size_t cap = strlen(dir) + strlen(path) + 2;
	char *out = mlv_malloc(cap + 1);
	size_t o = 0;
	char *joined = mlv_malloc(cap + 1);
	if (path[0] == '/')
		strcpy(joined, path);
	else
		sprintf(joined, "%s/%s", dir, path);
	/* one component at a time: "." vanishes, ".." pops the last */
	for (char *p = joined; *p;) {
		while (*p == '/')
			p++;
		size_t len = strcspn(p, "/");
		if (!len)
			break;
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[--o] != '/')
				;
		} else if (!(len == 1 && p[0] == '.')) {
			out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
	}
	if (!o)
		out[o++] = '/';
	out[o] = '\0';
	free(joined);
	return out;
}

char *
mlv_relative_path(const char *from, const char *to)
{
	/* past the components both share */
	const char *f = from, *t = to;
	for (;;) {
		while (*f == '/')
			f++;
		while (*t == '/')
			t++;
		size_t fl = strcspn(f, "/"), tl = strcspn(t, "/");
		if (!fl || fl != tl || memcmp(f, t, fl))
			break;
		f += fl;
		t += tl;
	}
	size_t ups = 0;
	for (const char *p = f; *p; p += strcspn(p, "/")) {
		ups++;
		while (*p == '/')
			p++;
	}
	char *out = mlv_malloc(3 * ups + strlen(t) + 2);
	out[0] = '\0';
	for (size_t i = 0; i < ups; i++)
		strcat(out, "../");
	strcat(out, t);
	size_t len = strlen(out);
	if (len && out[len - 1] == '/')
		out[len - 1] = '\0';
	if (!out[0])
		strcpy(out, ".");
	return out;
}

char *
mlv_url_encode_path(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = mlv_malloc(3 * strlen(path) + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

void
mlv_json_number(char *out, double x)
{
	if (!isfinite(x)) {
		strcpy(out, "null");
		return;
	}
	if (x == floor(x) && fabs(x) < 1e15) {
		snprintf(out, 32, "%.0f", x);
		return;
	}
	for (int digits = 1; digits <= 17; digits++) {
		snprintf(out, 32, "%.*g", digits, x);
		if (strtod(out, NULL) == x)
			return;
	}
}
