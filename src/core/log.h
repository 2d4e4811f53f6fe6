/* core/log.h - the process log: one line per event on stderr.
 *
 * Lines are JSON objects so that they can be shipped as they are:
 * {"ts":"2026-11-22T15:32:28.123Z","level":"info","msg":"..."}. Never format a
 * key, a prompt or an upstream body into a message. Any thread may call. */
#ifndef SY_CORE_LOG_H
#define SY_CORE_LOG_H

enum sy_log_level { SY_LOG_DEBUG = 0, SY_LOG_INFO, SY_LOG_WARN, SY_LOG_ERROR, SY_LOG_COUNT };

/* Sets the lowest level written. Boot only. */
void sy_log_set_level(enum sy_log_level level);

/* Parses "debug", "info", "warn" or "error". Returns -1 for anything else. */
int sy_log_level_parse(const char *name, enum sy_log_level *out);

void sy_log(enum sy_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Formats the current UTC time as 2026-11-22T15:32:28.123Z into `buf`. */
void sy_log_timestamp(char *buf, unsigned long cap);

/* Writes `json_line` (a complete JSON object, no newline) as one line. */
void sy_log_raw(const char *json_line, unsigned long len);

#define sy_log_debug(...) sy_log(SY_LOG_DEBUG, __VA_ARGS__)
#define sy_log_info(...)  sy_log(SY_LOG_INFO, __VA_ARGS__)
#define sy_log_warn(...)  sy_log(SY_LOG_WARN, __VA_ARGS__)
#define sy_log_error(...) sy_log(SY_LOG_ERROR, __VA_ARGS__)

#endif
