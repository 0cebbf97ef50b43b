# Numbered SQL migrations, installed where schema_dir points by default.
schemadir = $(pkgdatadir)/schema
dist_schema_DATA = schema/0001_core.sql schema/0002_agents.sql \
	schema/0003_ssd.sql schema/0004_templates.sql \
	schema/0005_agent_links.sql schema/0006_command_retries.sql \
	schema/0007_agent_load.sql schema/0020_web.sql \
	schema/0020_web.down.sql
