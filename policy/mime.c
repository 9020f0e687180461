#include <string.h>
#include <strings.h>

#include "policy/mime.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The files people hand a GPT, and the ones OpenAI's tools write. */
static const struct {
	const char	*ext;
	const char	*type;
} by_extension[] = {
	{ "pdf", "application/pdf" },
	{ "txt", "text/plain" },
	{ "md", "text/markdown" },
	{ "csv", "text/csv" },
	{ "tsv", "text/tab-separated-values" },
	{ "json", "application/json" },
	{ "jsonl", "application/jsonl" },
	{ "xml", "application/xml" },
	{ "html", "text/html" },
	{ "htm", "text/html" },
	{ "py", "text/x-python" },
	{ "js", "text/javascript" },
	{ "c", "text/x-c" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "svg", "image/svg+xml" },
	{ "doc", "application/msword" },
	{ "docx", "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document" },
	{ "xls", "application/vnd.ms-excel" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet" },
	{ "pptx", "application/vnd.openxmlformats-officedocument."
	    "presentationml.presentation" },
	{ "zip", "application/zip" },
	{ "mp3", "audio/mpeg" },
	{ "wav", "audio/wav" },
	{ "mp4", "video/mp4" },
};

/* Images a browser renders as pictures, and nothing else. */
static const char *const inline_images[] = {
	"image/png", "image/jpeg", "image/gif", "image/webp",
};

const char *
mime_from_name(const char *name)
{
	const char	*dot = strrchr(name, '.');
	size_t		 i;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return NULL;
	for (i = 0; i < NELEM(by_extension); i++)
		if (strcasecmp(dot + 1, by_extension[i].ext) == 0)
			return by_extension[i].type;
	return NULL;
}

const char *
mime_sniff_image(const void *bytes, size_t len)
{
	const unsigned char	*b = bytes;

	if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (len >= 3 && memcmp(b, "\xff\xd8\xff", 3) == 0)
		return "image/jpeg";
	if (len >= 6 && (memcmp(b, "GIF87a", 6) == 0 ||
	    memcmp(b, "GIF89a", 6) == 0))
		return "image/gif";
	if (len >= 12 && memcmp(b, "RIFF", 4) == 0 &&
	    memcmp(b + 8, "WEBP", 4) == 0)
		return "image/webp";
	return NULL;
}

const char *
mime_from_image_format(const char *format)
{
	if (format == NULL)
		return NULL;
	if (strcmp(format, "png") == 0)
		return "image/png";
	if (strcmp(format, "jpeg") == 0 || strcmp(format, "jpg") == 0)
		return "image/jpeg";
	if (strcmp(format, "webp") == 0)
		return "image/webp";
	return NULL;
}

bool
mime_is_specific(const char *content_type)
{
	size_t	len;

	if (content_type == NULL)
		return false;
	len = strcspn(content_type, "; \t");
	return len > 0 && !(len == 24 && strncasecmp(content_type,
	    "application/octet-stream", 24) == 0) &&
	    !(len == 19 && strncasecmp(content_type, "binary/octet-stream",
	    19) == 0);
}

bool
mime_is_image(const char *type)
{
	size_t	i, len = strcspn(type, "; \t");

	for (i = 0; i < NELEM(inline_images); i++)
		if (strlen(inline_images[i]) == len &&
		    strncasecmp(type, inline_images[i], len) == 0)
			return true;
	return false;
}
