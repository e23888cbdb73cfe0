// Stylesheets the page imports: esbuild bundles them into app.css; TypeScript only needs to know them.
declare module '*.css';
