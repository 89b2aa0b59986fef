-- anshun-2022: the city's own programme at Anshun's database, for the municipal
-- joint-meeting office (市联席会议办公室) that receives its counties' half-monthly figures.
-- Load it after `renod site 520400`. The city's own figures are its counties' (replicated
-- from their databases, docs/SCALING.md); this programme holds the city's units and
-- accounts. Its dates follow the counties' 2022 plan; its targets are not in the county's
-- document: the one household and project here are placeholders the city's reads never
-- use (they sum the counties' projects).
INSERT INTO programme (code, jurisdiction, year, title, target_households, target_projects,
                       starts_on, start_share_pct, start_share_due, all_started_due,
                       completion_due, acceptance_due, evaluation_due)
VALUES ('anshun-2022', '安顺市', 2022, '安顺市2022年城镇老旧小区改造（市级汇总）', 1, 1,
        DATE '2021-12-01', 25, DATE '2022-03-31', DATE '2022-04-30', DATE '2022-11-30',
        DATE '2022-11-30', DATE '2022-12-31');

INSERT INTO unit (programme_id, code, name, kind, in_leading_group)
SELECT p.id, v.code, v.name, v.kind, true
  FROM programme p
 CROSS JOIN (VALUES
    ('office', '安顺市城镇老旧小区改造联席会议办公室', 'office'),
    ('city-gov', '安顺市人民政府', 'leadership'),
    ('housing', '安顺市住房和城乡建设局', 'department')
 ) AS v (code, name, kind)
 WHERE p.code = 'anshun-2022';
