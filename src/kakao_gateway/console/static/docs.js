// Swagger UI over our own /openapi.json (a separate file: no inline script, so a strict CSP can be kept).
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
