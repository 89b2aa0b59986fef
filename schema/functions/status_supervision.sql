-- status_supervision: the consolidated status's supervision items (督查督办) per unit, then
-- all units (StatusReply.supervision). Moved here from 0009_status.sql when the replied
-- items were counted apart: a unit's reply waits for the office's review, and the live
-- views (reno watch, the dashboard's change line) say so, where the open count alone did
-- not move.
--
-- Re-runnable (CREATE OR REPLACE only, DROP when a signature changes): renod migrate
-- applies every file of schema/functions after the migrations, on every run, and then
-- reno_grant_runtime gives the serving role what it needs again.

-- Each item in the state its latest event by p_as_of left it in. The columns are named
-- after the fields of StatusSupervision (server/status.c fills them by name).
DROP FUNCTION IF EXISTS reno_status_supervision(bigint, date);
CREATE OR REPLACE FUNCTION reno_status_supervision(p_programme bigint, p_as_of date)
RETURNS TABLE (unit_code text, unit_name text, items integer, items_open integer,
               items_overdue integer, items_returned integer, items_closed integer,
               next_deadline text, items_replied integer)
LANGUAGE sql STABLE AS $$
    WITH st AS (
        SELECT i.unit_id, e.state, e.deadline
          FROM supervision_item i
          JOIN LATERAL (SELECT ev.state, ev.deadline FROM supervision_event ev
                         WHERE ev.item_id = i.id AND ev.at::date <= p_as_of
                         ORDER BY ev.id DESC LIMIT 1) e ON true
         WHERE i.programme_id = p_programme
    ), sums AS (
        SELECT st.unit_id, count(*)::int AS items,
               count(*) FILTER (WHERE st.state <> 'closed')::int AS open,
               count(*) FILTER (WHERE st.state <> 'closed' AND st.deadline < p_as_of)::int
                   AS overdue,
               count(*) FILTER (WHERE st.state = 'returned')::int AS returned,
               count(*) FILTER (WHERE st.state = 'closed')::int AS closed,
               count(*) FILTER (WHERE st.state = 'replied')::int AS replied,
               min(st.deadline) FILTER (WHERE st.state <> 'closed') AS next_deadline,
               GROUPING(st.unit_id) AS all_units
          FROM st GROUP BY ROLLUP (st.unit_id)
    )
    SELECT CASE WHEN x.all_units = 1 THEN '' ELSE u.code END,
           CASE WHEN x.all_units = 1 THEN '合计' ELSE u.name END,
           x.items, x.open, x.overdue, x.returned, x.closed, reno_status_iso(x.next_deadline),
           x.replied
      FROM sums x LEFT JOIN unit u ON u.id = x.unit_id
     ORDER BY x.all_units, x.overdue DESC, u.id
$$;
