# Numbered SQL migrations and their reverses (schema/README), installed
# where schema_dir points by default.
schemadir = $(pkgdatadir)/schema
dist_schema_DATA = \
	schema/0000_preexisting.sql schema/0000_preexisting.down.sql \
	schema/0001_core.sql schema/0001_core.down.sql \
	schema/0002_agents.sql schema/0002_agents.down.sql \
	schema/0003_ssd.sql schema/0003_ssd.down.sql \
	schema/0004_templates.sql schema/0004_templates.down.sql \
	schema/0005_agent_links.sql schema/0005_agent_links.down.sql \
	schema/0006_command_retries.sql schema/0006_command_retries.down.sql \
	schema/0007_agent_load.sql schema/0007_agent_load.down.sql \
	schema/0008_v1x_passwords.sql schema/0008_v1x_passwords.down.sql \
	schema/0009_user_credentials.sql schema/0009_user_credentials.down.sql \
	schema/0010_web.sql schema/0010_web.down.sql \
	schema/0030_homes_policies.sql schema/0030_homes_policies.down.sql \
	schema/0040_websessions.sql schema/0040_websessions.down.sql
EXTRA_DIST += schema/README
