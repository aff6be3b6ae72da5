/* A Windows time zone as stored in SYSTEM\...\Control\TimeZoneInformation, and conversion of
 * local log timestamps to UTC with it. Filled by the registry collector, used by the logs. */
#ifndef AN_TZ_H
#define AN_TZ_H

#include <stdbool.h>
#include <stdint.h>

/* A transition time from StandardStart/DaylightStart (REG_BINARY, 16 bytes). The registry
 * stores the kernel's TIME_FIELDS layout (Year, Month, Day, Hour, Minute, Second, Milliseconds,
 * Weekday), not SYSTEMTIME (DayOfWeek third); an_systemtime_parse reads that layout into these
 * fields. A transition date uses month, day_of_week and day (week-of-month 1..5, 5 = last)
 * with year 0. */
typedef struct {
    uint16_t year, month, day_of_week, day, hour, minute, second, milliseconds;
} an_systemtime;

typedef struct {
    bool known;            /* false: timestamps stay local time, and reports say so */
    char key_name[128];    /* TimeZoneKeyName, e.g. "W. Europe Standard Time", or "" */
    int32_t bias;          /* minutes; UTC = local + bias */
    int32_t standard_bias; /* added to bias outside DST (usually 0) */
    int32_t daylight_bias; /* added to bias during DST (usually -60) */
    bool has_dst;          /* both transition dates present and month != 0 */
    an_systemtime standard_start;
    an_systemtime daylight_start;
    bool dynamic_dst_disabled; /* DynamicDaylightTimeDisabled */
} an_tz;

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil). Inline: the log reader calls it for every timestamped line. */
static inline int64_t an_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Converts a local wall-clock time (seconds since 1970 as if it were UTC) to UTC seconds using
 * tz, applying the DST rule of that year when tz->has_dst. When !tz->known returns local
 * unchanged. */
int64_t an_tz_local_to_utc(const an_tz *tz, int64_t local);

/* Parses the 16-byte TIME_FIELDS layout of StandardStart/DaylightStart; false when len < 16. */
bool an_systemtime_parse(const uint8_t *p, uint32_t len, an_systemtime *ret);

#endif
