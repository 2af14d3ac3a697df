/** ejs templates are imported as text (esbuild's text loader in the image, a plugin in tests). */
declare module '*.ejs' {
  const template: string;
  export default template;
}
