/* Local log time -> UTC with a Windows time zone (TimeZoneInformation), applying the DST
 * rule the way Windows does: transition dates are "week N (5 = last) of month M, weekday D at
 * hh:mm", DaylightStart given in local standard time, StandardStart in local daylight time.
 * Dynamic DST tables (per-year rules under "Time Zones\<key>\Dynamic DST") are not applied:
 * the single rule in TimeZoneInformation is what the install was using at the time the hive was
 * last written, which is what the logs of that period need. */
#include "analyzer/an_tz.h"

#include "common/sxs_checked.h"

static void civil_from_days(int64_t z, int64_t *ret_y, unsigned *ret_m)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    *ret_y = (int64_t)yoe + era * 400 + (m <= 2);
    *ret_m = m;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* Local seconds of a transition in year y; false when the rule is unusable. */
static bool transition_local(const an_systemtime *t, int64_t y, int64_t *ret)
{
    if (t->month < 1 || t->month > 12 || t->hour > 23 || t->minute > 59 || t->second > 59)
        return false;
    unsigned day;
    if (t->year != 0) {
        /* Absolute date form: day is the day of the month. */
        if (t->day < 1 || t->day > days_in_month(y, t->month))
            return false;
        day = t->day;
    } else {
        if (t->day < 1 || t->day > 5 || t->day_of_week > 6)
            return false;
        int64_t first = an_days_from_civil(y, t->month, 1);
        /* 1970-01-01 was a Thursday (4). */
        unsigned wd1 = (unsigned)(((first % 7) + 7 + 4) % 7);
        day = 1 + (t->day_of_week + 7 - wd1) % 7 + (unsigned)(t->day - 1) * 7;
        while (day > days_in_month(y, t->month))
            day -= 7; /* week 5 means "last" */
    }
    *ret =
        an_days_from_civil(y, t->month, day) * 86400 + t->hour * 3600 + t->minute * 60 + t->second;
    return true;
}

int64_t an_tz_local_to_utc(const an_tz *tz, int64_t local)
{
    if (!tz || !tz->known)
        return local;
    int64_t bias = tz->bias + tz->standard_bias;
    if (tz->has_dst && tz->daylight_start.month != 0 && tz->standard_start.month != 0) {
        int64_t y;
        unsigned m;
        int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
        civil_from_days(days, &y, &m);
        int64_t ds, ss;
        if (transition_local(&tz->daylight_start, y, &ds) &&
            transition_local(&tz->standard_start, y, &ss)) {
            bool dst;
            if (ds < ss) /* northern hemisphere: DST inside the year */
                dst = local >= ds && local < ss;
            else /* southern: DST spans the new year */
                dst = local >= ds || local < ss;
            if (dst)
                bias = tz->bias + tz->daylight_bias;
        }
    }
    return local + bias * 60;
}

bool an_systemtime_parse(const uint8_t *p, uint32_t len, an_systemtime *ret)
{
    if (!p || len < 16 || !ret)
        return false;
    /* The registry's TimeZoneInformation StandardStart/DaylightStart hold the kernel's
     * TIME_FIELDS (Year, Month, Day, Hour, Minute, Second, Milliseconds, Weekday), not a
     * SYSTEMTIME (which has DayOfWeek third): every real SYSTEM hive in the corpus agrees, e.g.
     * W. Europe DaylightStart 00,00,03,00,05,00,02,00,...,00,00 = March, week 5 (last), 02:00,
     * Sunday. */
    ret->year = sxs_le16(p);
    ret->month = sxs_le16(p + 2);
    ret->day = sxs_le16(p + 4);
    ret->hour = sxs_le16(p + 6);
    ret->minute = sxs_le16(p + 8);
    ret->second = sxs_le16(p + 10);
    ret->milliseconds = sxs_le16(p + 12);
    ret->day_of_week = sxs_le16(p + 14);
    return true;
}
