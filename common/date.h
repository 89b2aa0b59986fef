/*
 * Calendar dates as a count of days since 1970-01-01 (proleptic Gregorian), the form
 * every comparison in reno uses. Text form is strictly "YYYY-MM-DD". No allocation.
 */
#ifndef RENO_DATE_H
#define RENO_DATE_H

#include <stdbool.h>
#include <stdint.h>

#define DATE_TEXT_SIZE 11 /* "YYYY-MM-DD" and a NUL */

/* Days since the epoch for a valid civil date; false for 2023-02-29 and the like. */
bool date_from_civil(int year, int month, int day, int32_t *days)
    __attribute__((warn_unused_result));
void date_to_civil(int32_t days, int *year, int *month, int *day);
/* Strict parse of "YYYY-MM-DD", years 1900..2999; false for anything else. */
bool date_parse(const char *text, int32_t *days) __attribute__((warn_unused_result));
void date_format(int32_t days, char out[DATE_TEXT_SIZE]);
/* Today's date in the local time zone of the process. */
int32_t date_today(void);

#endif
