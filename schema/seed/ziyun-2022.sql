-- Seed data: the Ziyun Autonomous County 2022 old-community renovation programme.
--
-- Source: seed/000_7922f1ef223820ae.txt, 紫云自治县人民政府办公室关于印发《紫云自治县2022年
-- 城镇老旧小区改造工作方案》的通知 (2022-03-03). Sections 二/四 give the targets, 三 the
-- leading group, 五 the milestones.
--
-- Loaded into a database where 0001_core.sql has been applied, as one transaction (the
-- loader wraps it in BEGIN/COMMIT). Plain SQL only, no psql meta-commands: renod sends it
-- with PQexec. Rows refer to each other by code or name, never by id.
--
-- Person names: the document pads two-character names with ASCII spaces and U+2002 EN
-- SPACE ("杨 坚"); every name below is written without any space.

-- 1. The programme --------------------------------------------------------------------

INSERT INTO programme (code, jurisdiction, year, title, target_households, target_projects,
                       starts_on, start_share_pct, start_share_due, all_started_due,
                       completion_due, acceptance_due, evaluation_due, plan_issued_on)
VALUES ('ziyun-2022', '紫云自治县', 2022, '紫云自治县2022年城镇老旧小区改造', 802, 2,
        DATE '2021-12-01',   -- phase 1 begins December 2021 (意愿征集)
        25,                  -- 开工改造户数不低于25% ...
        DATE '2022-03-31',   -- ... by the end of March
        DATE '2022-04-30',   -- 所有项目开工, 开工率100%, by the end of April
        DATE '2022-11-30',   -- 11月底前全面完成改造工程施工任务
        DATE '2022-11-30',   -- 11月底前组织竣工验收
        DATE '2022-12-31',   -- 绩效评估, 12月底前
        DATE '2022-03-03');  -- the notice issuing the plan (印发); its rhythm applies from then

-- 2. Units ----------------------------------------------------------------------------
--
-- Names are spelled as in the document (县财政局, not 紫云自治县财政局), except the two
-- units the document refers to only indirectly (county-gov, office).
--
-- Kind choices:
--   county-gov  紫云自治县人民政府: the county leadership (杨坚, 朱晓波, 陈凯) and 尹玉竹,
--               whose title reads 县政府副科级督察专员 (a post of the county government
--               itself, not of its general office).
--   office      the leading-group office; it sits in the housing bureau and has no seal
--               of its own (documents go out under the housing bureau's seal, 代章). It
--               is the group's working body (领导小组下设办公室), not a member unit, so
--               in_leading_group = false: the group is 34 people from the 28 units marked
--               true below.
--   县委政法委  a county party-committee organ: 'department'.
--   市生态环境局紫云分局: 'municipal_branch' (a branch of the municipal bureau).
--   县税务局, 县消防大队: 'vertical_agency' (tax is vertically managed by the State
--               Taxation Administration; fire and rescue by the Ministry of Emergency
--               Management since the 2018 reform).
--   县公安局: 'department' (a county government department, though dual-led).
--   县公积金管理中心: 'department', as the document names it a county body.
--   县城市开发建设指挥部: 'department'. A 指挥部 is a temporary body the county government
--               sets up to run its urban development works; it is headed by a
--               指挥长/副指挥长 (government posts), not a 经理, and it reports to the county
--               government rather than trading on its own account.
--   南方电网/自来水公司/电信/联通/移动/广电网络: 'utility' (专营单位 for line work).
--   松山街道办事处: 'street_office'.
--   县委督查室: seat (办公地点) of the 督察督办组 working group; not a member of the leading
--               group, so in_leading_group = false.
--   gas: the document names no gas company, yet 供气 lines are in the renovation scope
--               (基础类 content, 专营设施 in section 六). A clearly marked sample unit, not in
--               the leading group, so that gas line work can be assigned and reported.

INSERT INTO unit (programme_id, code, name, kind, in_leading_group)
SELECT p.id, v.code, v.name, v.kind, v.in_group
  FROM programme p
 CROSS JOIN (VALUES
    ( 1, 'county-gov',        '紫云自治县人民政府',                         'leadership',       true),
    ( 2, 'office',            '紫云自治县城镇老旧小区改造工作领导小组办公室', 'office',           false),
    ( 3, 'gov-office',        '县政府办公室',                               'department',       true),
    ( 4, 'politics-law',      '县委政法委',                                 'department',       true),
    ( 5, 'dev-reform',        '县发展改革局',                               'department',       true),
    ( 6, 'industry-it',       '县工业和信息化局',                           'department',       true),
    ( 7, 'civil-affairs',     '县民政局',                                   'department',       true),
    ( 8, 'finance',           '县财政局',                                   'department',       true),
    ( 9, 'natural-resources', '县自然资源局',                               'department',       true),
    (10, 'housing',           '县住房和城乡建设局',                         'department',       true),
    (11, 'water-affairs',     '县水务局',                                   'department',       true),
    (12, 'culture-tourism',   '县文体广电旅游局',                           'department',       true),
    (13, 'emergency',         '县应急局',                                   'department',       true),
    (14, 'urban-management',  '县城市管理局',                               'department',       true),
    (15, 'investment',        '县投资促进局',                               'department',       true),
    (16, 'ecology-env',       '市生态环境局紫云分局',                       'municipal_branch', true),
    (17, 'tax',               '县税务局',                                   'vertical_agency',  true),
    (18, 'power-grid',        '南方电网紫云分公司',                         'utility',          true),
    (19, 'fire-brigade',      '县消防大队',                                 'vertical_agency',  true),
    (20, 'songshan-street',   '松山街道办事处',                             'street_office',    true),
    (21, 'public-security',   '县公安局',                                   'department',       true),
    (22, 'shanty-town',       '县棚改办',                                   'department',       true),
    (23, 'water-company',     '县自来水公司',                               'utility',          true),
    (24, 'city-dev-hq',       '县城市开发建设指挥部',                       'department',       true),
    (25, 'provident-fund',    '县公积金管理中心',                           'department',       true),
    (26, 'telecom',           '中国电信紫云分公司',                         'utility',          true),
    (27, 'unicom',            '中国联通紫云分公司',                         'utility',          true),
    (28, 'mobile',            '中国移动紫云分公司',                         'utility',          true),
    (29, 'broadcast',         '广电网络紫云分公司',                         'utility',          true),
    (30, 'party-supervision', '县委督查室',                                 'department',       false),
    (31, 'gas',               '紫云自治县燃气公司（示例）',                 'utility',          false)
  ) AS v(ord, code, name, kind, in_group)
 WHERE p.code = 'ziyun-2022'
 ORDER BY v.ord;

-- The document also spells the development and reform bureau 县发展和改革局 (for its
-- deputy director 吴启传): one unit, two spellings.
INSERT INTO unit_alias (unit_id, alias)
SELECT u.id, '县发展和改革局'
  FROM unit u JOIN programme p ON p.id = u.programme_id
 WHERE p.code = 'ziyun-2022' AND u.code = 'dev-reform';

-- 3. People ---------------------------------------------------------------------------
--
-- Position is the title in the document with the unit name taken off (刘川荣 县住房和城乡
-- 建设局局长 -> unit housing, position 局长). The county leaders keep their full titles.
-- 刘川荣 and 何忠诚 also serve as director and deputy director of the office (兼任); that
-- second role is an office_officer row (0030_plan_duties.sql), loaded after the people.
-- 陈芳, 莫毅坤, 朱文 and 邹苇 appear only in the working groups, without unit or title.

INSERT INTO person (programme_id, name, unit_id, position)
SELECT p.id, v.name, u.id, v.position
  FROM programme p
 CROSS JOIN (VALUES
    ( 1, '杨坚',   'county-gov',        '县委副书记、县长'),
    ( 2, '朱晓波', 'county-gov',        '县委常委、常务副县长'),
    ( 3, '陈凯',   'county-gov',        '副县长'),
    ( 4, '刘昌良', 'gov-office',        '主任'),
    ( 5, '伍洪志', 'gov-office',        '副主任'),
    ( 6, '尹玉竹', 'county-gov',        '副科级督察专员'),
    ( 7, '谢先华', 'politics-law',      '副书记'),
    ( 8, '张刚',   'dev-reform',        '局长'),
    ( 9, '陈佳兵', 'industry-it',       '局长'),
    (10, '秦松',   'civil-affairs',     '局长'),
    (11, '韦俊',   'finance',           '局长'),
    (12, '班光勇', 'natural-resources', '局长'),
    (13, '刘川荣', 'housing',           '局长'),
    (14, '贾道忠', 'water-affairs',     '局长'),
    (15, '吴康',   'culture-tourism',   '局长'),
    (16, '程海波', 'emergency',         '局长'),
    (17, '胡博海', 'urban-management',  '局长'),
    (18, '王德胜', 'investment',        '局长'),
    (19, '母祖全', 'ecology-env',       '局长'),
    (20, '孙红卫', 'tax',               '局长'),
    (21, '李春',   'power-grid',        '总经理'),
    (22, '张宇',   'fire-brigade',      '大队长'),
    (23, '罗杨',   'songshan-street',   '主任'),
    (24, '万定刚', 'public-security',   '副局长'),
    (25, '吴启传', 'dev-reform',        '副局长'),   -- written 县发展和改革局 in the document
    (26, '黄华',   'housing',           '副局长'),
    (27, '何忠诚', 'shanty-town',       '副主任'),
    (28, '吴洋春', 'water-company',     '经理'),
    (29, '周斌',   'city-dev-hq',       '副指挥长'),
    (30, '丁碧',   'provident-fund',    '主任'),
    (31, '刘国祥', 'telecom',           '总经理'),
    (32, '李伦馨', 'unicom',            '总经理'),
    (33, '李刚',   'mobile',            '总经理'),
    (34, '顾雨',   'broadcast',         '总经理'),
    (35, '陈芳',   NULL,                ''),
    (36, '莫毅坤', NULL,                ''),
    (37, '朱文',   NULL,                ''),
    (38, '邹苇',   NULL,                '')
  ) AS v(ord, name, unit_code, position)
  LEFT JOIN unit u ON u.programme_id = p.id AND u.code = v.unit_code
 WHERE p.code = 'ziyun-2022'
 ORDER BY v.ord;

-- 4. The leading group ----------------------------------------------------------------
--
-- Leader, two deputies, then the 31 members in the document's order.

INSERT INTO leading_group_member (programme_id, person_id, role, seq)
SELECT p.id, pe.id, v.role, v.seq
  FROM programme p
 CROSS JOIN (VALUES
    ( 0, '杨坚',   'leader'),
    ( 1, '朱晓波', 'deputy'),
    ( 2, '陈凯',   'deputy'),
    ( 3, '刘昌良', 'member'),
    ( 4, '伍洪志', 'member'),
    ( 5, '尹玉竹', 'member'),
    ( 6, '谢先华', 'member'),
    ( 7, '张刚',   'member'),
    ( 8, '陈佳兵', 'member'),
    ( 9, '秦松',   'member'),
    (10, '韦俊',   'member'),
    (11, '班光勇', 'member'),
    (12, '刘川荣', 'member'),
    (13, '贾道忠', 'member'),
    (14, '吴康',   'member'),
    (15, '程海波', 'member'),
    (16, '胡博海', 'member'),
    (17, '王德胜', 'member'),
    (18, '母祖全', 'member'),
    (19, '孙红卫', 'member'),
    (20, '李春',   'member'),
    (21, '张宇',   'member'),
    (22, '罗杨',   'member'),
    (23, '万定刚', 'member'),
    (24, '吴启传', 'member'),
    (25, '黄华',   'member'),
    (26, '何忠诚', 'member'),
    (27, '吴洋春', 'member'),
    (28, '周斌',   'member'),
    (29, '丁碧',   'member'),
    (30, '刘国祥', 'member'),
    (31, '李伦馨', 'member'),
    (32, '李刚',   'member'),
    (33, '顾雨',   'member')
  ) AS v(seq, name, role)
  JOIN person pe ON pe.programme_id = p.id AND pe.name = v.name
 WHERE p.code = 'ziyun-2022'
 ORDER BY v.seq;

-- The office's director and deputy director (刘川荣同志兼任办公室主任，何忠诚同志兼任办公室副主任).
INSERT INTO office_officer (programme_id, person_id, role)
SELECT p.id, pe.id, v.role
  FROM programme p
 CROSS JOIN (VALUES ('刘川荣', 'director'), ('何忠诚', 'deputy_director')) AS v(name, role)
  JOIN person pe ON pe.programme_id = p.id AND pe.name = v.name
 WHERE p.code = 'ziyun-2022';

-- 5. Projects -------------------------------------------------------------------------
--
-- SAMPLE DATA, to be replaced by the real project list. The document says only that there
-- are 2 projects with 802 households in all; it gives neither their names nor the split of
-- households. Both rows are marked is_sample = true and their names end in （示例）. The
-- split 500 + 302 is invented; only the total (802) is from the document.

INSERT INTO project (programme_id, name, community, households, renovation_type, is_sample)
SELECT p.id, v.name, v.community, v.households, v.rtype, true
  FROM programme p
 CROSS JOIN (VALUES
    (1, '松山街道示例小区一（示例）', '示例小区一', 500, 'comprehensive'),
    (2, '松山街道示例小区二（示例）', '示例小区二', 302, 'comprehensive')
  ) AS v(ord, name, community, households, rtype)
 WHERE p.code = 'ziyun-2022'
 ORDER BY v.ord;

-- 6. Units responsible for the projects -----------------------------------------------
--
-- Every unit named here may push progress for both projects. The finance bureau is
-- deliberately NOT named: it supervises funds but does not push progress (the tests rely
-- on it as a unit without that right).

INSERT INTO project_unit (project_id, unit_id, duty)
SELECT pr.id, u.id, v.duty
  FROM programme p
  JOIN project pr ON pr.programme_id = p.id
 CROSS JOIN (VALUES
    ( 1, 'housing',         '项目推进、质量安全监管'),
    ( 2, 'songshan-street', '群众意愿征集、宣传动员'),
    ( 3, 'power-grid',      '管线入地/架空线规整'),
    ( 4, 'water-company',   '管线入地/架空线规整'),
    ( 5, 'telecom',         '管线入地/架空线规整'),
    ( 6, 'unicom',          '管线入地/架空线规整'),
    ( 7, 'mobile',          '管线入地/架空线规整'),
    ( 8, 'broadcast',       '管线入地/架空线规整'),
    ( 9, 'gas',             '管线入地/架空线规整')
  ) AS v(ord, unit_code, duty)
  JOIN unit u ON u.programme_id = p.id AND u.code = v.unit_code
 WHERE p.code = 'ziyun-2022'
   AND pr.name IN ('松山街道示例小区一（示例）', '松山街道示例小区二（示例）')
 ORDER BY pr.name, v.ord;

-- 7. The office's working groups (section 三) -------------------------------------------
--
-- The document names four groups under the office. 综合协调组 is named but given no
-- seat, members or duty: it is loaded as a partly defined group.

INSERT INTO working_group (programme_id, code, name, seat_unit_id, duty)
SELECT p.id, v.code, v.name, u.id, v.duty
  FROM programme p
 CROSS JOIN (VALUES
    (1, 'project_promotion', '项目推进组', 'housing',
        '负责统筹协调全县城镇老旧小区改造建设相关工作，指导全县城镇老旧小区改造示范项目工作。'),
    (2, 'fund_management', '资金管理组', 'finance',
        '负责指导监督全县城镇老旧小区改造项目的资金规范使用和指导全县争取城镇老旧小区各类专项资金的申报工作。'),
    (3, 'coordination', '综合协调组', NULL, ''),
    (4, 'supervision', '督查督办组', 'party-supervision',
        '负责对全县城镇老旧小区改造推进进度、资金使用等工作进行督查督办。')
  ) AS v(ord, code, name, seat, duty)
  LEFT JOIN unit u ON u.programme_id = p.id AND u.code = v.seat
 WHERE p.code = 'ziyun-2022'
 ORDER BY v.ord;

-- Leaders, deputies and members as the document lists them. The three groups with
-- members share the same deputies (黄华、陈芳、何忠诚) and members (莫毅坤、朱文、邹苇):
-- one person sits in several groups.
INSERT INTO group_member (group_id, person_id, role, seq)
SELECT g.id, pe.id, v.role, v.seq
  FROM programme p
  JOIN working_group g ON g.programme_id = p.id
 CROSS JOIN (VALUES
    ('leader', 0, NULL), ('deputy', 1, '黄华'), ('deputy', 2, '陈芳'), ('deputy', 3, '何忠诚'),
    ('member', 4, '莫毅坤'), ('member', 5, '朱文'), ('member', 6, '邹苇')
  ) AS v(role, seq, person)
  JOIN person pe ON pe.programme_id = p.id
   AND pe.name = COALESCE(v.person, CASE g.code WHEN 'project_promotion' THEN '刘川荣'
                                                WHEN 'fund_management' THEN '韦俊'
                                                WHEN 'supervision' THEN '尹玉竹' END)
 WHERE p.code = 'ziyun-2022' AND g.code <> 'coordination';

-- 8. Rights, derived from the document (section 三 and 六) ------------------------------
--
-- The office does everything in its programme. The project promotion group (seat: the
-- housing bureau) writes projects, milestones and contracts; the fund management group
-- (seat: the finance bureau) writes the ledger; the supervision group (seat: the party
-- committee's supervision office) writes supervision items; the street office records
-- resident surveys and notices; utilities write their own line work, the government
-- side of line work (trench, ducts, backfill) is the housing bureau's. Replies to a
-- supervision item belong to the unit it is assigned to, whoever that is.
INSERT INTO right_grant (programme_id, grantee_kind, grantee, right_name, source)
SELECT p.id, v.kind, v.grantee, v.right_name, v.source
  FROM programme p
 CROSS JOIN (VALUES
    ('role', 'office', '*', '领导小组办公室: everything in the programme'),
    ('unit', 'housing', 'project.write', 'seat of 项目推进组'),
    ('unit', 'housing', 'milestone.write', 'seat of 项目推进组'),
    ('unit', 'housing', 'contract.write', 'seat of 项目推进组'),
    ('unit', 'housing', 'lines.government', '红线内管沟开挖、管道预埋、覆土 (地方政府)'),
    ('unit', 'housing', 'acceptance.write', '县住房和城乡建设局: acceptance and evaluation'),
    ('unit', 'finance', 'funds.write', 'seat of 资金管理组'),
    ('unit', 'finance', 'funds.apply', 'seat of 资金管理组: 专项资金申报'),
    ('unit', 'party-supervision', 'tasks.write', 'seat of 督查督办组'),
    ('unit', 'songshan-street', 'residents.write', '街道: 意愿征集、公示、满意度调查'),
    -- The document names nobody for the parties' register and joint meetings beyond the
    -- office, nor for quality and safety: the housing bureau holds them as the county's
    -- own configuration (0021_parties.sql).
    ('unit', 'housing', 'parties.write', '县住房和城乡建设局: 各方主体登记、联席会议 (county configuration)'),
    ('unit', 'housing', 'quality.write', '县住房和城乡建设局: 施工质量和安全文明施工检查 (county configuration)'),
    ('unit_kind', 'utility', 'lines.utility', '专营单位: 线路埋设、废旧线路规整、红线外、架空线规整'),
    -- What each role reads (0014_read_scope.sql): leaders and departments the whole
    -- programme; a utility its own line work, items and audit entries, not the funds.
    ('role', 'leader', 'funds.read', 'leaders read everything'),
    ('role', 'leader', 'lines.read', 'leaders read everything'),
    ('role', 'leader', 'tasks.read', 'leaders read everything'),
    ('role', 'leader', 'audit.read', 'leaders read everything'),
    ('role', 'department', 'funds.read', 'departments read the programme'),
    ('role', 'department', 'lines.read', 'departments read the programme'),
    ('role', 'department', 'tasks.read', 'departments read the programme'),
    ('role', 'department', 'audit.read', 'departments read the programme'),
    ('role', 'utility', 'lines.read_own', 'a utility reads its own line work'),
    ('role', 'utility', 'tasks.read_own', 'a utility reads the items assigned to it'),
    ('role', 'utility', 'audit.read_own', 'a utility reads its own unit''s audit entries')
  ) AS v(kind, grantee, right_name, source)
 WHERE p.code = 'ziyun-2022';

-- Projects area: project details, the milestone plan and its copy per project --------
--
-- (Section owned by the projects area; see schema/migrations/0003_projects.sql.)
--
-- a. What the document says of both projects: they are in the 2022 central-subsidy plan
-- (纳入2022年度中央补助支持老旧小区改造计划). The street follows their sample names.

UPDATE project pr
   SET subsidy_batch = '2022年度中央补助支持老旧小区改造计划', street = '松山街道'
  FROM programme p
 WHERE pr.programme_id = p.id AND p.code = 'ziyun-2022'
   AND pr.name IN ('松山街道示例小区一（示例）', '松山街道示例小区二（示例）');

-- b. The milestone plan of section 五, one row per step, in the document's order and
-- words. A month's step runs from its first to its last day ("2022年1月" is 01-01 to
-- 01-31). The steps that are also the programme's rules take their due dates from the
-- programme row above, so that the two can never disagree: start_share (开工改造户数不低于
-- 25%, 3月), start_all (开工率100%, 4月), complete_all (11月底前全面完工), the acceptance
-- steps (11月底前) and the evaluation (12月底前). Codes start_share, start_all and
-- complete_all are those of the status rules (reno status).

INSERT INTO milestone_template (programme_id, phase, seq, code, title, starts_on, due)
SELECT p.id, v.phase, v.seq, v.code, v.title, v.starts_on,
       CASE v.due_rule WHEN 'start_share' THEN p.start_share_due
                       WHEN 'all_started' THEN p.all_started_due
                       WHEN 'completion' THEN p.completion_due
                       WHEN 'acceptance' THEN p.acceptance_due
                       WHEN 'evaluation' THEN p.evaluation_due
                       ELSE v.due END
  FROM programme p
 CROSS JOIN (VALUES
    -- 第一阶段：前期准备阶段（2021年12月—2022年3月）
    (1,  10, 'survey_willingness',
         '街道、社区对改造项目进行调查摸底，征集群众改造意愿，做好宣传、动员等相关协调工作',
         DATE '2021-12-01', DATE '2021-12-31', NULL),
    (1,  20, 'feasibility',         '办理项目可研',
         DATE '2022-01-01', DATE '2022-01-31', NULL),
    (1,  30, 'project_approval',    '办理项目立项',
         DATE '2022-01-01', DATE '2022-01-31', NULL),
    (1,  40, 'draft_plan',          '研究制定改造方案（初设）',
         DATE '2022-01-01', DATE '2022-01-31', NULL),
    (1,  50, 'plan_publicity',      '方案公示，根据业主意见对方案进行调整完善',
         DATE '2022-01-01', DATE '2022-01-31', NULL),
    (1,  60, 'project_review',      '完成项目评审工作',
         DATE '2022-01-01', DATE '2022-01-31', NULL),
    (1,  70, 'cost_estimate',       '编制改造工程概算',
         DATE '2022-01-01', DATE '2022-01-31', NULL),
    (1,  80, 'construction_design', '进行改造施工图设计',
         DATE '2022-01-01', DATE '2022-01-31', NULL),
    (1,  90, 'design_review',       '完成施工图设计及审查工作',
         DATE '2022-02-01', DATE '2022-02-28', NULL),
    (1, 100, 'tender_plan',         '制定工程招投标计划',
         DATE '2022-02-01', DATE '2022-02-28', NULL),
    (1, 110, 'construction_plan',   '制定施工方案',
         DATE '2022-02-01', DATE '2022-02-28', NULL),
    (1, 120, 'tendering_done',      '完成老旧小区改造项目招投标工作',
         DATE '2022-03-01', DATE '2022-03-31', NULL),
    (1, 130, 'contractors_fixed',   '确定改造工程的施工、监理单位和有关设施设备等供应商',
         DATE '2022-03-01', DATE '2022-03-31', NULL),
    (1, 140, 'permits_done',        '完成相关建设手续办理',
         DATE '2022-03-01', DATE '2022-03-31', NULL),
    -- 第二阶段：改造工程施工阶段（2022年3月—11月）
    (2, 150, 'start_share',         '部分项目开工实施改造，开工改造户数不低于25%',
         DATE '2022-03-01', NULL, 'start_share'),
    (2, 160, 'start_all',           '所有项目开工实施改造，开工率100%',
         DATE '2022-04-01', NULL, 'all_started'),
    (2, 170, 'supervision_audit',   '全面施工阶段实行全过程工程监理，同步开展项目跟踪审计',
         DATE '2022-04-01', NULL, 'completion'),
    (2, 180, 'complete_all',        '组织改造工程的冲刺和扫尾，全面完成改造工程施工任务',
         DATE '2022-03-01', NULL, 'completion'),
    -- 第三阶段：改造工程验收（2022年11月）
    (3, 190, 'joint_acceptance',
         '联合竣工验收：建设单位组织参建单位及相关职能部门、监理单位、物业服务企业及社区业主委员会（居民代表）',
         DATE '2022-11-01', NULL, 'acceptance'),
    (3, 200, 'final_audit',
         '完成改造工程项目决算审计；竣工验收材料一式三份，小区自管小组、社区、县住房和城乡建设局各保留一份',
         DATE '2022-11-01', NULL, 'acceptance'),
    (3, 210, 'long_term_management',
         '落实长效管理：指导街道社区、业主委员会或物业管理委员会落实物业管理队伍',
         DATE '2022-11-01', NULL, 'acceptance'),
    -- 第四阶段：项目绩效评估阶段（2022年12月底前）
    (4, 220, 'performance_evaluation',
         '开展项目绩效评估（改造面积和户数、改造内容、改造标准、配套资金到位、物业管理长效机制），报送市住房和城乡建设局',
         DATE '2022-12-01', NULL, 'evaluation'),
    (4, 230, 'next_year_planning',  '同时，筹划部署下一年度老旧小区改造各项工作',
         DATE '2022-12-01', NULL, 'evaluation'),
    (4, 240, 'annual_assessment',   '同时做好迎接年度考核的准备工作',
         DATE '2022-12-01', NULL, 'evaluation')
  ) AS v(phase, seq, code, title, starts_on, due, due_rule)
 WHERE p.code = 'ziyun-2022'
 ORDER BY v.seq;

-- c. Both sample projects follow the plan: a copy of every step, none done yet (the
-- document says nothing of what had been done by 2022-03-03). Projects created later get
-- theirs from create_project.

INSERT INTO project_milestone (project_id, template_id, due)
SELECT pr.id, t.id, t.due
  FROM programme p
  JOIN project pr ON pr.programme_id = p.id
  JOIN milestone_template t ON t.programme_id = p.id
 WHERE p.code = 'ziyun-2022'
   AND pr.name IN ('松山街道示例小区一（示例）', '松山街道示例小区二（示例）')
 ORDER BY pr.id, t.seq;

-- Status area: the thresholds of the traffic lights -----------------------------------
--
-- (Section owned by the status area; see schema/migrations/0009_status.sql.)
--
-- The office's starting values, made the programme's own so that `reno light list` shows
-- them as set and `reno light set` changes them. A deadline counts as near within 14 days:
-- progress is collected on the 14th and the 28th (section 六(四)), so a deadline that
-- falls before the next collection is flagged at this one, while the office can act.
-- The other values are the migration's defaults: yellow when the share of households
-- started trails the plan's pace by more than 10 points, or completed by more than 20;
-- red with one overdue milestone; the programme yellow with one overdue supervision item.

INSERT INTO light_rule (programme_id, code, value)
SELECT p.id, v.code, v.value
  FROM programme p
 CROSS JOIN (VALUES
    ('deadline_near_days', 14),
    ('start_lag_points', 10),
    ('complete_lag_points', 20),
    ('overdue_red_milestones', 1),
    ('overdue_tasks_yellow', 1)
  ) AS v(code, value)
 WHERE p.code = 'ziyun-2022';

-- Which rights and duties are the plan's words, quoting them; the others are the county's
-- own configuration (0020_duty_basis.sql).
SELECT reno_ziyun_plan_words('ziyun-2022');

-- Special-fund applications are the fund management group's, in the plan's words
-- (0030_plan_duties.sql).
UPDATE right_grant g
   SET basis = 'plan',
       plan_words = '（二）资金管理组…办公地点设在县财政局，负责…指导全县争取城镇老旧小区各类专项资金的申报工作'
  FROM programme p
 WHERE g.programme_id = p.id AND p.code = 'ziyun-2022' AND g.grantee_kind = 'unit'
   AND g.grantee = 'finance' AND g.right_name = 'funds.apply';
