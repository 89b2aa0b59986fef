-- year_end_steps: the two closing sentences of the plan's fourth phase become steps of the
-- milestone plan, so that the status shows them open or overdue like every other step:
--   同时，筹划部署下一年度老旧小区改造各项工作   (next_year_planning)
--   同时做好迎接年度考核的准备工作             (annual_assessment)
-- Both are shown by a document outside reno (the next year's plan or its request, the
-- assessment's preparation notice), so marking them done requires the document's number,
-- date and issuing unit (milestone_evidence, backed_by document).
--
-- Programmes already loaded get both steps now, in phase 4 after their last step, in the
-- month of the evaluation's deadline, and every project of theirs gets its copy; a
-- programme loaded later carries them in its own plan (schema/seed/ziyun-2022.sql).

INSERT INTO milestone_evidence (code, backed_by, check_function, needs) VALUES
    ('next_year_planning', 'document', NULL,
     '筹划部署下一年度老旧小区改造工作：document number, date, issuing unit'),
    ('annual_assessment',  'document', NULL,
     '迎接年度考核的准备工作：document number, date, issuing unit');

INSERT INTO milestone_template (programme_id, phase, seq, code, title, starts_on, due)
SELECT p.id, 4, last.seq + v.step, v.code, v.title,
       greatest(p.starts_on, date_trunc('month', p.evaluation_due)::date), p.evaluation_due
  FROM programme p
  JOIN LATERAL (SELECT max(t.seq) AS seq FROM milestone_template t
                 WHERE t.programme_id = p.id) last ON last.seq IS NOT NULL
 CROSS JOIN (VALUES
    (10, 'next_year_planning', '同时，筹划部署下一年度老旧小区改造各项工作'),
    (20, 'annual_assessment',  '同时做好迎接年度考核的准备工作')
  ) AS v(step, code, title)
 WHERE NOT EXISTS (SELECT 1 FROM milestone_template t
                    WHERE t.programme_id = p.id AND t.code = v.code)
 ORDER BY p.id, v.step;

-- Each project of those programmes follows its plan: a copy of both steps, open.
INSERT INTO project_milestone (project_id, template_id, due)
SELECT pr.id, t.id, t.due
  FROM project pr
  JOIN milestone_template t ON t.programme_id = pr.programme_id
 WHERE t.code IN ('next_year_planning', 'annual_assessment')
   AND NOT EXISTS (SELECT 1 FROM project_milestone m
                    WHERE m.project_id = pr.id AND m.template_id = t.id)
 ORDER BY pr.id, t.seq;
