/* web.h - text for web pages: JSON strings safe inside <script> elements,
 * base64, and paths as URLs.
 *
 * mlv-explore writes its data into an HTML page as JSON and base64; the
 * escaping here is what keeps any text from the data (a label
 * "</script><script>...") data, and what makes audio paths into URLs
 * relative to the page.
 */
#ifndef MLV_WEB_H
#define MLV_WEB_H

#include <stddef.h>

/* Percent-encode a path for a URL: every byte but A-Z a-z 0-9 - . _ ~ /
 * becomes %XX.  malloc'd. */
char *mlv_url_encode_path(const char *path);
/* The relative path from directory from to path to, both absolute and
 * normalised ("/a/b", "/a/c/d" -> "../c/d").  malloc'd. */
char *mlv_relative_path(const char *from, const char *to);
/* An absolute, lexically normalised path ("." and ".." resolved, no
 * double slashes) of path taken relative to dir (absolute).  malloc'd. */
char *mlv_absolute_path(const char *dir, const char *path);

/* Standard base64 (RFC 4648, padded) of n bytes into out, which needs
 * 4 * ((n + 2) / 3) + 1 bytes; returns the length written (NUL added). */
size_t mlv_base64(char *out, const void *in, size_t n);
/* s as a JSON string, quotes included, with < > & U+2028 U+2029 as \u
 * escapes (so no text ends a <script> element) and bytes that are not
 * UTF-8 as U+FFFD.  malloc'd. */
char *mlv_json_quote(const char *s);
/* x as a JSON number that reads back as exactly x, in as few digits as
 * that takes ("0.5", not "0.50000000000000000"); "null" when x is NaN or
 * infinite.  out needs 32 bytes. */
void mlv_json_number(char *out, double x);

#endif
