/*
 * The required options and an example of every write among the table-like operations.
 * See op_help.h. The examples use the demonstration programme's names (示例小区一 for a
 * project, a unit by its name or code) and an enum's code (overhead, not 架空线), which
 * every locale accepts, as the example is the same in every language.
 */
#include "op_help.h"

#include <stddef.h>
#include <string.h>

static const struct op_help help[] = {
    {"set_light_rule", "code value", "--code started_red_below --value 20"},
    {"disable_account", "username", "--username power"},
    {"enable_account", "username", "--username power"},
    {"revoke_unit_sessions", "unit_code", "--unit-code 南方电网紫云分公司"},
    {"clear_lockout", "username", "--username power"},
    {"record_line_work", "project_id utility_code segment part status",
     "--project 示例小区一 --utility-code 南方电网紫云分公司 --segment overhead --part "
     "overhead_tidy "
     "--status planned --length-m 80"},
    {"hand_over_line", "project_id utility_code handed_over_on",
     "--project 示例小区一 --utility-code power-grid --handed-over-on 2022-09-30"},
    {"record_survey", "project_id kind surveyed_on",
     "--project 示例小区一 --kind willingness --surveyed-on 2022-03-01 --households-asked 500 "
     "--households-agreeing 460"},
    {"record_notice", "project_id starts_on ends_on",
     "--project 示例小区一 --starts-on 2022-03-01 --ends-on 2022-03-07"},
    {"record_acceptance", "project_id accepted_on result",
     "--project 示例小区一 --accepted-on 2022-11-20 --result passed"},
    {"record_file_copy", "project_id holder held_by filed_on",
     "--project 示例小区一 --holder community --held-by 松山街道示例社区 --filed-on 2022-11-25"},
    {"record_final_audit", "project_id audited_on auditor audited_amount",
     "--project 示例小区一 --audited-on 2022-12-10 --auditor 县审计局 --audited-amount "
     "8650000"},
    {"set_management", "project_id mode provider starts_on",
     "--project 示例小区一 --mode property_company --provider 紫云物业 --starts-on 2022-12-01"},
    {"record_evaluation", "project_id evaluated_on dimension",
     "--project 示例小区一 --evaluated-on 2022-12-20 --dimension content --score 92"},
    {"add_contract", "project_id kind counterparty awarded_on amount tender_method",
     "--project 示例小区一 --kind construction --counterparty 贵州某建设公司 --awarded-on "
     "2022-03-20 "
     "--amount 8600000 --tender-method 公开招标"},
    {"record_oversight", "project_id kind recorded_on findings",
     "--project 示例小区一 --kind supervision --recorded-on 2022-06-01 --findings "
     "外墙保温层厚度不足"},
    {"allocate_funds", "project_id source amount allocated_on",
     "--project 示例小区一 --source central_subsidy --amount 1234567.50 --allocated-on 2022-02-01 "
     "--document-ref 黔财建〔2022〕12号"},
    {"receive_funds", "allocation_id amount received_on",
     "--allocation-id 1 --amount 600000 --received-on 2022-03-01"},
    {"record_payment", "contract_id source amount paid_on",
     "--contract-id 1 --source central_subsidy --amount 300000 --paid-on 2022-05-10 --note "
     "第一期进度款"},
    {"upsert_person", "name unit_code", "--name 张三 --unit-code housing --position 副局长"},
    {"set_group_member", "group_code person_name",
     "--group-code funds --person-name 张三 --role member"},
    {"update_group", "group_code", "--group-code funds --seat-unit-code finance"},
    {"add_party", "project_id kind name",
     "--project 示例小区一 --kind supervisor --name 贵州某监理公司 --contact 0851-0000000"},
    {"record_joint_meeting", "project_id held_on topic",
     "--project 示例小区一 --held-on 2022-04-15 --topic 施工方案会审 --outcome 同意"},
    {"record_quality", "project_id kind aspect occurred_on inspector findings",
     "--project 示例小区一 --kind inspection --aspect quality --occurred-on 2022-06-10 --inspector "
     "县住房和城乡建设局 --findings 楼道照明线路未穿管"},
    {"add_payment_term", "contract_id due_on amount basis",
     "--contract-id 1 --seq 1 --due-on 2022-06-30 --amount 2580000 --basis 完成工程量30%"},
    {"create_project", "name community households renovation_type",
     "--name 松山街道示例小区三 --community 示例小区三 --households 320 --renovation-type "
     "comprehensive"},
    {"update_project", "project_id", "--project 示例小区一 --buildings 12"},
    {"assign_project_unit", "project_id unit_code",
     "--project 示例小区一 --unit-code 南方电网紫云分公司 --duty 电力线路改造"},
    {"add_project_item", "project_id catalogue_code responsible_unit_code unit_of_measure",
     "--project 示例小区一 --catalogue-code roof --responsible-unit-code housing "
     "--planned-quantity 12000 --unit-of-measure 平方米"},
    {"update_project_item", "item_id", "--item-id 1 --progress-pct 40"},
    {"mark_milestone", "project_id milestone_code done_on evidence",
     "--project 示例小区一 --milestone-code design_approved --done-on 2022-03-10 "
     "--evidence 施工图审查合格书"},
    {"create_task", "unit_code title deadline source",
     "--unit-code 南方电网紫云分公司 --title 架空线规整滞后 --deadline 2022-06-30 --source 调度会"},
    {"reply_task", "task_id reply", "--task-id 1 --reply 已完成整改，附照片"},
    {"review_task", "task_id", "--task-id 1 --accept yes"},
    {"request_extension", "task_id reason new_deadline",
     "--task-id 1 --reason 雨季停工 --new-deadline 2022-07-31"},
    {"decide_extension", "task_id", "--task-id 1 --approve yes"},
    {"record_meeting", "held_on mode place attendees",
     "--held-on 2022-05-16 --mode room --place 县政府三楼会议室 --attendees housing "
     "--attendees power-grid"},
    {"set_round_rule", "weekend_rule", "--weekend-rule next_workday --window-days 3"},
    {"close_round", "round_date", "--round-date 2022-05-14"},
    {"submit_round_report", "project_id round_date",
     "--project 示例小区一 --round-date 2022-05-14 --households-started 210 "
     "--households-completed 0"},
    {"apply_funds", "project_id fund_name source amount deadline",
     "--project 示例小区一 --fund-name 2022年省级城镇老旧小区改造补助资金 --source "
     "provincial_subsidy --amount 800000 --deadline 2022-07-31 --submitted-on 2022-07-20"},
    {"set_office_officer", "person_name", "--person-name 刘川荣 --role director"},
    {"set_utility_plan", "project_id utility_code filed_on starts_on ends_on",
     "--project 示例小区一 --utility-code power-grid --filed-on 2022-03-18 --starts-on "
     "2022-04-01 --ends-on 2022-10-31"},
    {"set_upkeep", "project_id facility starts_on",
     "--project 示例小区一 --facility 红线内供电线路及设施 --unit-code power-grid --starts-on "
     "2022-07-29"},
    {"set_doc_number_format", "doc_number_format", "--doc-number-format 紫改办〔{year}〕{n}号"},
};

const struct op_help *op_help_find(const char *op)
{
    for (size_t i = 0; i < sizeof help / sizeof help[0]; i++)
        if (strcmp(help[i].op, op) == 0)
            return &help[i];
    return NULL;
}

bool op_help_required(const struct op_help *h, const char *field)
{
    size_t len = strlen(field);
    for (const char *p = h != NULL ? h->required : ""; *p != '\0';) {
        size_t n = strcspn(p, " ");
        if (n == len && strncmp(p, field, len) == 0)
            return true;
        p += n + (p[n] == ' ');
    }
    return false;
}
