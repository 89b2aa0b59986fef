-- 0031_status_page: the serving role may call the function that reads the missing
-- reporters of one page's projects only (schema/functions/status.sql), with which a
-- status as of a past date costs its page rather than the whole programme.
INSERT INTO runtime_function (name, why) VALUES
    ('reno_status_missing_reporters_of', 'consolidated status: one page''s missing reporters');
