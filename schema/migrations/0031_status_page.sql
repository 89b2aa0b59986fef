-- 0031_status_page: the serving role may call the functions with which a status as of a
-- past date costs its page rather than the whole programme (server/status.c): the
-- missing reporters of some projects only (schema/functions/status.sql), and the totals
-- rows of the sections whose project rows a page cuts (schema/functions/status_totals.sql).
INSERT INTO runtime_function (name, why) VALUES
    ('reno_status_missing_reporters_of', 'consolidated status: one page''s missing reporters'),
    ('reno_status_funds_totals', 'consolidated status: the funds'' totals'),
    ('reno_status_contracts_totals', 'consolidated status: the contracts'' totals'),
    ('reno_status_lines_totals', 'consolidated status: the line work''s totals');
