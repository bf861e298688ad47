/* queue_space.c - the queue_minfree rule; see queue_space.h. */
#include "queue_space.h"

unsigned long long queue_space_need(unsigned long long minfree,
				    unsigned long long size_limit)
{
	return minfree != 0 ? minfree : size_limit / 2 * 3;
}

int queue_space_ok(const struct statvfs *st, unsigned long long minfree,
		   unsigned long long size_limit, unsigned long long size)
{
	unsigned long long need = queue_space_need(minfree, size_limit);
	unsigned long long avail = (unsigned long long) st->f_bavail *
		st->f_frsize;

	return avail >= need && avail - need >= size;
}
