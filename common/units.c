/*
 * units.c - quantities and policy durations (units.h), in integer
 * arithmetic only: "1.2k" is 1200, never 1200.0000001 rounded up.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "units.h"
#include "util.h"

#define UNITS_EXP_MAX		100	/* |e| of "1e3" */

static const struct {
	const char	*suffix;
	int		 pow2;		/* 2^pow2 */
	int		 pow10;		/* 10^pow10 */
} units_suffixes[] = {
	{ "Ki", 10, 0 }, { "Mi", 20, 0 }, { "Gi", 30, 0 }, { "Ti", 40, 0 },
	{ "Pi", 50, 0 }, { "Ei", 60, 0 },
	{ "n", 0, -9 }, { "u", 0, -6 }, { "m", 0, -3 }, { "", 0, 0 },
	{ "k", 0, 3 }, { "M", 0, 6 }, { "G", 0, 9 }, { "T", 0, 12 },
	{ "P", 0, 15 }, { "E", 0, 18 },
};

/* "e12", "E-3": the exponent; -1 if s is not one. */
static int
units_exponent(const char *s, int *pow10)
{
	int neg = 0, n = 0;

	if (*s != 'e' && *s != 'E')
		return -1;
	s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (*s == '\0')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (*s - '0')) > UNITS_EXP_MAX)
			n = UNITS_EXP_MAX + 1;
	if (*s != '\0')
		return -1;
	*pow10 = neg ? -n : n;
	return 0;
}

/* The suffix of s (after the number): its powers of 2 and of 10. */
static int
units_suffix(const char *s, int *pow2, int *pow10)
{
	size_t i;

	if (units_exponent(s, pow10) == 0) {
		*pow2 = 0;
		return 0;
	}
	for (i = 0; i < nitems(units_suffixes); i++)
		if (strcmp(s, units_suffixes[i].suffix) == 0) {
			*pow2 = units_suffixes[i].pow2;
			*pow10 = units_suffixes[i].pow10;
			return 0;
		}
	return -1;
}

/*
 * s = mant * 10^-frac * 2^pow2 * 10^pow10, scaled by 10^scale and
 * rounded up.
 */
static int
units_quantity(const char *s, int scale, uint64_t *out, const char **why)
{
	unsigned __int128 num, den = 1;
	uint64_t mant = 0;
	int frac = 0, seen = 0, pow2, pow10, e, i;
	const char *p = s;
	size_t n = strlen(s);

	*why = "not a quantity such as 500m, 2Gi or 1.5";
	if (n == 0 || n > UNITS_QUANTITY_MAX || *p == '-' || *p == '+')
		return *why = *p == '-' ? "must not be negative" : *why, -1;
	for (; (*p >= '0' && *p <= '9') || (*p == '.' && frac == 0 &&
	    !seen); p++) {
		if (*p == '.') {
			seen = 1;
			continue;
		}
		frac += seen;
		if (mant > (UINT64_MAX - 9) / 10)
			return *why = "too many digits", -1;
		mant = mant * 10 + (uint64_t)(*p - '0');
	}
	/* "1." and ".5" are quantities, as Kubernetes reads them; "." not. */
	if (p == s || (p == s + 1 && seen) || units_suffix(p, &pow2,
	    &pow10) == -1)
		return -1;
	/* Trailing zeros of the fraction change nothing. */
	for (; frac > 0 && mant % 10 == 0 && mant != 0; frac--)
		mant /= 10;
	e = pow10 - frac + scale;
	num = (unsigned __int128)mant << pow2;
	if (e >= 0) {
		for (i = 0; i < e && num <= INT64_MAX; i++)
			num *= 10;
	} else if (-e > 38)
		num = num > 0;	/* a positive speck rounds up to one */
	else {
		for (i = 0; i < -e; i++)
			den *= 10;
		num = (num + den - 1) / den;
	}
	if (num > INT64_MAX)
		return *why = "too large", -1;
	*out = (uint64_t)num;
	return 0;
}

int
units_quantity_millis(const char *s, uint64_t *millis, const char **why)
{
	return units_quantity(s, 3, millis, why);
}

int
units_quantity_bytes(const char *s, uint64_t *bytes, const char **why)
{
	return units_quantity(s, 0, bytes, why);
}

void
units_bytes_quantity(uint64_t bytes, char *out, size_t len)
{
	static const char *const bin[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi",
	    "Ei" };
	size_t i = 0;

	while (i + 1 < nitems(bin) && bytes != 0 && bytes % 1024 == 0) {
		bytes /= 1024;
		i++;
	}
	snprintf(out, len, "%llu%s", (unsigned long long)bytes, bin[i]);
}

int
units_duration(const char *s, uint64_t max_s, uint64_t *seconds,
    const char **why)
{
	uint64_t total = 0, n, mult;
	const char *p = s;
	int any;

	if (*s == '\0' || strlen(s) > UNITS_DURATION_MAX)
		return *why = *s ? "too long" : "empty", -1;
	if (*s == '-')
		return *why = "must not be negative", -1;
	while (*p != '\0') {
		for (n = 0, any = 0; *p >= '0' && *p <= '9'; p++, any = 1)
			if ((n = n * 10 + (uint64_t)(*p - '0')) > max_s)
				return *why = "longer than the longest allowed "
				    "(policy_duration_max)", -1;
		if (!any)
			return *why = "not a duration such as 30m, 1h30m or "
			    "0", -1;
		switch (*p) {
		case '\0':
			mult = 1;
			if (p != s + strspn(s, "0123456789"))
				return *why = "a unit after each number (s, "
				    "m, h or d)", -1;
			break;
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = 86400;
			break;
		case '.':
			return *why = "whole numbers only (90s, not 1.5m)", -1;
		default:
			return *why = "unknown unit (s, m, h or d)", -1;
		}
		if (*p != '\0')
			p++;
		if (n > (max_s - total) / mult)
			return *why = "longer than the longest allowed "
			    "(policy_duration_max)", -1;
		total += n * mult;
	}
	*seconds = total;
	return 0;
}

void
units_duration_str(uint64_t seconds, char *out, size_t len)
{
	static const struct {
		char		 unit;
		uint64_t	 s;
	} parts[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
	size_t i, n = 0;

	out[0] = '\0';
	if (seconds == 0) {
		snprintf(out, len, "0");
		return;
	}
	for (i = 0; i < nitems(parts) && n < len; i++) {
		if (seconds < parts[i].s)
			continue;
		n += (size_t)snprintf(out + n, len - n, "%llu%c",
		    (unsigned long long)(seconds / parts[i].s), parts[i].unit);
		seconds %= parts[i].s;
	}
}
