/* Compiled as C99, C11, C++14 and C++17 with -Wall -Wextra -Werror -pedantic by tests/header.rs.
 * It includes the header and uses every type in it, without linking the library, and prints the
 * version macros so the test can compare them with the crate's version. */
#include "fixprov.h"
#include <stdio.h>

int main(void) {
    fixprov_tier_spec spec = {0, 0, 0, 0, 0, 0, 0, 0};
    fixprov_session_stats stats = {0, 0, 0, 0, 0, 0, 0};
    fixprov_event event = {FIXPROV_EVENT_SESSION_KILLED, FIXPROV_KILL_ADMIN, 0, NULL, 0};
    fixprov_status status = FIXPROV_OK;
    fixprov_event_fn callback = NULL;
    fixprov_engine *engine = NULL;
    fixprov_options *options = NULL;
    unsigned classes = (unsigned)FIXPROV_MSG_ORDER + (unsigned)FIXPROV_MSG_OTHER + (unsigned)FIXPROV_CLOCK_COARSE;
    (void)spec; (void)stats; (void)event; (void)status; (void)callback; (void)engine; (void)options;
    (void)classes;
    printf("%d %d %d %s\n", FIXPROV_VERSION_MAJOR, FIXPROV_VERSION_MINOR, FIXPROV_VERSION_PATCH,
           FIXPROV_VERSION_STRING);
    return 0;
}
