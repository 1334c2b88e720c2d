"""The web editor at /admin/ (Decap CMS): its configuration, its files, `make cms`.

`config.py` generates config.yml from the settings; `admin.py` writes output/admin/ (the
pinned Decap bundle from node_modules, our script, the config) and its security policy;
`serve.py` is `make cms`: the devserver plus decap-server on 127.0.0.1, editing the files.
"""
