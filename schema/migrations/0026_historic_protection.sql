-- historic_protection: 改造涉及历史文化街区、历史建筑的，严格落实相关保护修缮要求.
--
-- A project already says whether it lies in a historic district or touches a historic
-- building (project.historic, set by create_project and update_project). The protection
-- and repair it then owes is recorded where every piece of work of a project is: on its
-- renovation list, as the catalogue entry added here, with its responsible unit, budget
-- and progress. A historic project whose list lacks it (or has it cancelled) is a warning
-- in the status's guards section (historic_protection, schema/functions/guards.sql), never
-- a refusal: the office decides what the protection requires.

INSERT INTO content_catalogue (seq, content_class, code, name) VALUES
    (39, 'basic', 'heritage_protection', '历史文化街区、历史建筑保护修缮');
