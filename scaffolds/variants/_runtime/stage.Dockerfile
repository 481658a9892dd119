{%- if runtime.writable -%}
# dockwright.toml's `[runtime] writable`: the directories the app writes to, made here, owned by
# the app user, and copied over the app in the final stage. The rest of /app stays read-only to
# the app user.
FROM {{ "${" ~ writable_base ~ "}" }} AS writable
RUN mkdir -p{% for dir in runtime.writable %} /writable/{{ dir }}{% endfor %} \
 && chown -R {{ uid }}:{{ uid }} /writable

{% endif -%}
