/* test_fail.c — the checks' bookkeeping (test.h), shared by the TEST()
 * runner (test_main.c) and the hostile programs (hostile/hostile.c). */
#include <stdarg.h>

#include "test.h"

int test_failed_checks;

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stdout, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    test_failed_checks++;
}
