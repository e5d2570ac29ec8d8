"""How the API release gets out (kinds: tasks/api_release/registry.py) and the ECS deployer
it uses (tasks/api_release/ecs.py)."""
