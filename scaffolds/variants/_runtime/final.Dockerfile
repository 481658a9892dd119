{%- if runtime.writable -%}
# Writable by the app user: {{ runtime.writable | join(", ") }} (dockwright.toml `[runtime] writable`).
COPY --from=writable /writable/ /app/
{% endif -%}
{%- if runtime.env -%}
# dockwright.toml `[runtime] env`.
ENV {% for key, value in runtime.env | items %}{% if not loop.first %} \
    {% endif %}{{ key }}={{ value | dockerfile_quote }}{% endfor %}
{% endif -%}
{%- if runtime.writable or runtime.env %}
{% endif -%}
