/*
 * Media types for the files an Actions answer hands to ChatGPT, which
 * needs each file's mime_type (and shows images rather than reading
 * them).  OpenAI serves file content as application/octet-stream, so
 * the type comes from the file name, or from the bytes for images.
 */
#ifndef POLICY_MIME_H
#define POLICY_MIME_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The type named by the extension of name (case-insensitive), or NULL
 * when the extension is missing or unknown.
 */
const char *mime_from_name(const char *name);

/* The image type (PNG, JPEG, GIF, WebP) bytes begin with, or NULL. */
const char *mime_sniff_image(const void *bytes, size_t len);

/*
 * The type of image output_format ("png", "jpeg", "webp"), as OpenAI's
 * image answers name it, or NULL.
 */
const char *mime_from_image_format(const char *format);

/*
 * Whether content_type (a Content-Type value, parameters allowed) names
 * a specific type, rather than none or application/octet-stream.
 */
bool mime_is_specific(const char *content_type);

/*
 * Whether type is an image a browser shows inline without running
 * anything (PNG, JPEG, GIF, WebP; not SVG, which may carry script).
 */
bool mime_is_image(const char *type);

#endif
