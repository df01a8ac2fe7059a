pytest_plugins = ["services.common.testing"]
