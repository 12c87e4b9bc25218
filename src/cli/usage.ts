// The CLI's help text, matching the contract in DESIGN.md.
export const usage = `Usage: postern <command> [options]   (npm: bun src/main.ts <command>)

  serve [--config FILE]                      run the server
  domain add|list|remove NAME
  account add EMAIL --password PW [--quota SIZE] [--name "Display Name"]
  account list [--domain NAME] | remove EMAIL | password EMAIL --password PW
  account quota EMAIL SIZE|unlimited
  account app-password add|list|remove EMAIL [NAME]
  alias add ADDRESS TARGET | list | remove ADDRESS [TARGET]     (ADDRESS "@domain" = catch-all)
  import mbox FILE --account EMAIL [--mailbox NAME]   (resumable; default mailbox INBOX)
  import maildir DIR --account EMAIL                  (Maildir++ folders and flags; resumable)
  export mbox --account EMAIL --mailbox NAME FILE
  dkim show DOMAIN                            the DNS TXT records of the domain's DKIM keys
  dkim rotate DOMAIN [--grace-days N]         new keys; old selectors stay published N days (7)
  queue list | show ID | retry ID | remove ID  the outbound queue
  cert set --cert FILE --key FILE             install a certificate (chain) and its key
  admin-password reset                        print a new admin password
  healthcheck                                 exit 0 if the running server answers /healthz
  version

Options for every command:
  --config FILE    config file (default: $POSTERN_CONFIG, else ./postern.toml, else built-in defaults)
  --json           machine-readable output for list commands
  --password -     read the password from standard input instead of the command line
`
