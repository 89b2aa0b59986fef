/*
 * The one list of unit-test suites, as X-macro entries (libuv's test-list.h). Each entry
 * names a suite that a tests/test_<name>.c file exports as `Suite *<name>_suite(void)`.
 * unit_main.c expands the list twice: once to declare the constructors and once to build
 * the table it runs from. Adding a suite is one line here and one file.
 *
 * The client's table formatter has its suite only when tests/test_table.c exists; CMake
 * then defines RENO_HAVE_TABLE_TEST.
 */
UNIT_SUITE(frame)
UNIT_SUITE(date)
UNIT_SUITE(rules)
UNIT_SUITE(lights)
UNIT_SUITE(config)
UNIT_SUITE(msg)
UNIT_SUITE(report)
UNIT_SUITE(csv)
UNIT_SUITE(layout)
UNIT_SUITE(client_format)
UNIT_SUITE(conn_tls)
UNIT_SUITE(log)
UNIT_SUITE(dash_chart)
UNIT_SUITE(status_diff)
UNIT_SUITE(status_view)
UNIT_SUITE(status_delta)
UNIT_SUITE(status_form)
UNIT_SUITE(status_splice)
UNIT_SUITE(status_page)
UNIT_SUITE(report_pdf)
UNIT_SUITE(wire_check)
#ifdef RENO_HAVE_TABLE_TEST
UNIT_SUITE(table)
#endif
