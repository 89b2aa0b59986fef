/*
 * Civil-date arithmetic after Howard Hinnant's days_from_civil / civil_from_days, which is
 * exact for every Gregorian date and needs no tables.
 */
#include "date.h"

#include <string.h>
#include <time.h>

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : lengths[month - 1];
}

bool date_from_civil(int year, int month, int day, int32_t *days)
{
    if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month))
        return false;
    int y = month <= 2 ? year - 1 : year;
    int era = y / 400; /* y >= 1899, so no negative-division care is needed */
    int yoe = y - era * 400;
    int mp = (month + 9) % 12;
    int doy = (153 * mp + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    *days = era * 146097 + doe - 719468;
    return true;
}

void date_to_civil(int32_t days, int *year, int *month, int *day)
{
    int32_t z = days + 719468;
    int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    int32_t doe = z - era * 146097;
    int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int32_t mp = (5 * doy + 2) / 153;
    int32_t d = doy - (153 * mp + 2) / 5 + 1;
    int32_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = (int)m;
    *day = (int)d;
}

static bool digits(const char *s, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return true;
}

bool date_parse(const char *text, int32_t *days)
{
    int year, month, day;
    if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return false;
    if (!digits(text, 4, &year) || !digits(text + 5, 2, &month) || !digits(text + 8, 2, &day))
        return false;
    return date_from_civil(year, month, day, days);
}

void date_format(int32_t days, char out[DATE_TEXT_SIZE])
{
    int year, month, day;
    date_to_civil(days, &year, &month, &day);
    /* Years are bounded to four digits by date_from_civil; clamp for safety in output. */
    if (year < 0 || year > 9999)
        year = 0;
    out[0] = (char)('0' + year / 1000);
    out[1] = (char)('0' + year / 100 % 10);
    out[2] = (char)('0' + year / 10 % 10);
    out[3] = (char)('0' + year % 10);
    out[4] = '-';
    out[5] = (char)('0' + month / 10);
    out[6] = (char)('0' + month % 10);
    out[7] = '-';
    out[8] = (char)('0' + day / 10);
    out[9] = (char)('0' + day % 10);
    out[10] = '\0';
}

int32_t date_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    int32_t days = 0;
    if (!date_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, &days))
        return 0;
    return days;
}
