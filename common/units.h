/*
 * units.h - the values users write for policies and quotas, read in one
 * place: Kubernetes resource quantities ("500m", "2Gi", "1e3") and
 * policy durations ("30m", "1h30m", "0").  Pure: no I/O, no allocation.
 * The SQL functions of schema/0030_homes_policies.sql read the same
 * grammars from what these checked before it was stored.
 */
#ifndef SSD_UNITS_H
#define SSD_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define UNITS_QUANTITY_MAX	32	/* characters of a quantity */
#define UNITS_DURATION_MAX	32	/* characters of a duration */

/*
 * A non-negative quantity as a whole number of units of 10^-3 (millis:
 * cpu) or of 1 (bytes: memory, storage), rounded up.  0, or -1 with a
 * static reason when s is not a quantity or is too large for 63 bits.
 */
int	units_quantity_millis(const char *s, uint64_t *millis,
	    const char **why);
int	units_quantity_bytes(const char *s, uint64_t *bytes,
	    const char **why);
/*
 * bytes as the shortest exact quantity ("10Gi", "1536Mi", "7"), into out
 * (at least UNITS_QUANTITY_MAX + 1 bytes).
 */
void	units_bytes_quantity(uint64_t bytes, char *out, size_t len);

/*
 * A policy duration: "0" (never), a number of seconds ("90"), or one or
 * more whole numbers each with a unit s, m, h or d ("1h30m").  The
 * value in seconds, at most max_s; 0, or -1 with a static reason
 * (negative, fraction, unknown unit, above the maximum, ...).
 */
int	units_duration(const char *s, uint64_t max_s, uint64_t *seconds,
	    const char **why);
/* seconds as "1h30m", "45s", "0" into out (UNITS_DURATION_MAX + 1). */
void	units_duration_str(uint64_t seconds, char *out, size_t len);

#endif
