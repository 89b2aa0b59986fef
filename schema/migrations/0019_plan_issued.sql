-- plan_issued_on: the day the work plan was issued (印发). The scheduling system it sets
-- up (半月一调度、一月一通报、每月一次调度会, section 六(四)) applies from then: the status's
-- rhythm section (schema/functions/rhythm.sql) checks the rounds, notices and meetings due
-- after it. Ziyun's plan was issued on 2022-03-03 (the notice's own date); the seed loads
-- it for new databases, this sets it for databases loaded before.
ALTER TABLE programme ADD COLUMN plan_issued_on date;
UPDATE programme SET plan_issued_on = DATE '2022-03-03'
 WHERE code = 'ziyun-2022' AND plan_issued_on IS NULL;
ALTER TABLE programme ADD CONSTRAINT plan_issued_within
    CHECK (plan_issued_on IS NULL OR plan_issued_on BETWEEN starts_on AND evaluation_due);

-- The status's rhythm section runs as the serving role, like the other sections.
INSERT INTO runtime_function (name, why)
VALUES ('reno_status_rhythm', 'consolidated status: the plan''s rhythm');
