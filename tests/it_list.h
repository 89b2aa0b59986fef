/*
 * The one list of integration suites (X-macro entries, as unit_list.h). Each names a
 * suite that tests/test_it_<name>.c exports as `Suite *it_<name>_suite(void)`.
 */
IT_SUITE(session)
IT_SUITE(progress)
IT_SUITE(status)
IT_SUITE(abuse)
IT_SUITE(outage)
IT_SUITE(cli)
IT_SUITE(org)
IT_SUITE(live)
IT_SUITE(money)
IT_SUITE(projects)
IT_SUITE(field)
IT_SUITE(supervision)
IT_SUITE(report)
IT_SUITE(import)
IT_SUITE(scenario)
IT_SUITE(status2)
IT_SUITE(dashboard)
IT_SUITE(tls)
IT_SUITE(privilege)
IT_SUITE(strings)
