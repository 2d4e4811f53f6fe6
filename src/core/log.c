/* core/log.c - JSON log lines on stderr.
 *
 * One write(2) per line so that lines from different threads never interleave. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum sy_log_level min_level = SY_LOG_INFO;
static const char *const names[SY_LOG_COUNT] = {"debug", "info", "warn", "error"};

void sy_log_set_level(enum sy_log_level level)
{
    min_level = level;
}

int sy_log_level_parse(const char *name, enum sy_log_level *out)
{
    for (int i = 0; i < SY_LOG_COUNT; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (enum sy_log_level)i;
            return 0;
        }
    }
    return -1;
}

/* Appends `s` to `out` as JSON string content, stopping before `end`. */
static char *escape(char *out, char *end, const char *s)
{
    for (; *s != '\0' && out + 7 < end; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            *out++ = '\\';
            *out++ = (char)c;
        } else if (c < 0x20) {
            out += snprintf(out, (size_t)(end - out), "\\u%04x", c);
        } else {
            *out++ = (char)c;
        }
    }
    return out;
}

void sy_log_timestamp(char *buf, unsigned long cap)
{
    struct timeval tv;
    struct tm tm;
    size_t n;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

void sy_log(enum sy_log_level level, const char *fmt, ...)
{
    char msg[2048], line[4608], ts[40], *p = line, *end = line + sizeof(line) - 3;
    va_list ap;

    if (level < min_level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    sy_log_timestamp(ts, sizeof(ts));
    p += snprintf(p, 128, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"", ts, names[level]);
    p = escape(p, end, msg);
    *p++ = '"';
    *p++ = '}';
    *p++ = '\n';
    if (write(STDERR_FILENO, line, (size_t)(p - line)) < 0)
        return;
}

void sy_log_raw(const char *json_line, unsigned long len)
{
    char line[8192];

    if (len > sizeof(line) - 1)
        len = sizeof(line) - 1;
    memcpy(line, json_line, len);
    line[len] = '\n';
    if (write(STDERR_FILENO, line, len + 1) < 0)
        return;
}
