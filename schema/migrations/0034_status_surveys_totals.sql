-- 0034_status_surveys_totals: the serving role may call the surveys' totals over the
-- whole programme (schema/functions/status_totals.sql), which a status as of a past date
-- asked for one page reads beside the page's projects' survey rows (server/status.c),
-- as 0031_status_page.sql let it call those of the funds, contracts and line work.
INSERT INTO runtime_function (name, why) VALUES
    ('reno_status_surveys_totals', 'consolidated status: the surveys'' totals');
