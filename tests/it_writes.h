/*
 * Writes the live-view suites make through renod as the units that make them: a
 * supervision item issued by the supervision group (县委督查室, whose account the harness
 * lacks and it_add_supervision_account() adds), a contract with money received for it,
 * and a payment on that contract. Each asserts that renod accepted it; each opens and
 * closes its own connection, so a watcher's connection only reads.
 */
#ifndef RENO_TESTS_IT_WRITES_H
#define RENO_TESTS_IT_WRITES_H

#include <stdint.h>

#define IT_SUPERVISION "supervision" /* 县委督查室, who issues supervision items */

/* Adds the supervision group's account to the test's database (renod account add). */
void it_add_supervision_account(void);

/* A construction contract of `project` (3,200,000 yuan, by housing) and 200,000 yuan of
 * central subsidy allocated to it and received (by finance). Returns the contract's id. */
int64_t it_contract_with_money(long project);

/* Issues a supervision item to the housing bureau (县住房和城乡建设局), due 2022-06-30.
 * Returns the item's id. */
int64_t it_issue_item(void);

/* The housing bureau replies to supervision item `item`; it waits for review. */
void it_reply_item(int64_t item);

/* Pays 50,000 yuan of central subsidy on `contract` (by finance), on 2022-04-15. */
void it_pay(int64_t contract);

#endif
