"""The symbol index: where each name in a codebase is defined, read without running the code.

It sits below routing and the runtime (a question naming indexed code is evidence that it is
in scope) and above retrieval, which it only names for types; the code assistant's skills in
`kit.code` read it too. See docs/code-assistant-kit.md.
"""
