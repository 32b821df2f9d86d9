"""The copilot's skills: one module each, defining `SKILL = Skill(...)` named as the module.

Adding a skill is adding a module here (modules starting with `_` are helpers, not skills).
What a team reviews as data stays in the project's `skills/` folder, one folder per skill:
example requests (`examples.txt`), a description over the one in code (`description.txt`),
and the out-of-scope examples and reply (`skills/out_of_scope/`), where `copilot adapt`
writes them.
"""
