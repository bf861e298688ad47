/* qmgr_backoff.c - how long a deferred recipient waits (architecture §4).
 *
 * Exponential: minimal_backoff_time after the first failure, doubling
 * with each further one, never more than maximal_backoff_time.
 */
#include "qmgr.h"

long qmgr_backoff(int tries, long min, long max)
{
	long delay = min > 0 ? min : 1;

	if (max < delay)
		max = delay;
	for (int i = 1; i < tries && delay < max; i++)
		delay = delay > max / 2 ? max : delay * 2;
	return delay < max ? delay : max;
}
