-- The leading group as the document names it (section 三): 34 people (杨坚 as leader,
-- 朱晓波 and 陈凯 as deputies, 31 members) from 28 units. The office (领导小组下设办公室)
-- is the group's working body, housed in the housing bureau; it is not one of the group's
-- member units, and databases seeded before this migration recorded it as one. The seed
-- now loads it with in_leading_group = false; this corrects databases loaded earlier.
UPDATE unit SET in_leading_group = false WHERE kind = 'office' AND in_leading_group;
