# in an empty folder: an ES module project (the packages are ESM-only, and the examples use top-level await)
npm init -y
npm pkg set type=module
# the examples are TypeScript: tsx runs a .ts file on Node 20 as it is
npm install --save-dev tsx
