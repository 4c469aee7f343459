pnpm changeset            # pick the packages you changed, an honest bump, what users will notice
pnpm changeset status     # what the next release contains
pnpm version-packages     # apply the bumps and write the changelogs
pnpm release              # build every package and publish the new versions
