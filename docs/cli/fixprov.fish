# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_fixprov_global_optspecs
    string join \n url= token-file= config= json timeout= h/help V/version
end

function __fish_fixprov_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_fixprov_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_fixprov_using_subcommand
    set -l cmd (__fish_fixprov_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c fixprov -n "__fish_fixprov_needs_command" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_needs_command" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_needs_command" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_needs_command" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_needs_command" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fixprov -n "__fish_fixprov_needs_command" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "provision" -d 'Provision FIX access for a user: CompIDs and a password shown this once'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "revoke" -d 'Revoke a user\'s FIX access for good (live sessions are logged out)'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "suspend" -d 'Suspend a user (live sessions are logged out; logons refused until reactivated)'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "reactivate" -d 'Reactivate a suspended user'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "regenerate" -d 'Give a user a new password, shown this once'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "expiry" -d 'Set or clear a credential\'s expiry'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "ip" -d 'A user\'s IP allow-list'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "credentials" -d 'Credentials: every user\'s, or one user\'s'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "sessions" -d 'Live sessions: every one, or one user\'s'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "kill" -d 'Kill a session, or every session of a user (each is logged out)'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "limits" -d 'Each user\'s tier and rate limits'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "tiers" -d 'Rate-limit tiers'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "weights" -d 'Message weights per tier'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "violations" -d 'Rate-limit violations'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "rules" -d 'Eligibility rules'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "override" -d 'Override one rule for one user'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "bypass" -d 'Grant or withdraw an eligibility bypass'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "accounts" -d 'Set a user\'s account facts (JSON: kyc_level, balance, volume_30d, groups, ...)'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "eligibility" -d 'Eligibility'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "keys" -d 'Logon keys for signed logons (Ed25519, HMAC-SHA256)'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "logon-policy" -d 'Logon policies (password, signature, password+signature)'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "country-rules" -d 'Countries tiers and users may log on from'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "comp-id-pool" -d 'The pool of SenderCompIDs declared ahead in the FIX engine'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "stats" -d 'Users, credentials, sessions, messages, logons and top violators'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "fleet" -d 'Fleet mode: this gateway, its catch-up and every gateway\'s session leases'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "metrics" -d 'The Prometheus metrics, as the gateway serves them'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "audit" -d 'The audit log'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "openapi" -d 'The admin API\'s OpenAPI document'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "health" -d 'Whether the gateway\'s admin API answers (no token needed)'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "man" -d 'Print the man page (roff)'
complete -c fixprov -n "__fish_fixprov_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand provision" -l tier -d 'The tier (the gateway\'s default tier otherwise)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand provision" -l out -d 'Write the secret to this new file (mode 0600) instead of standard output' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand provision" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand provision" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand provision" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand provision" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand provision" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand provision" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand provision" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand revoke" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand revoke" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand revoke" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand revoke" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand revoke" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand revoke" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand revoke" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand suspend" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand suspend" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand suspend" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand suspend" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand suspend" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand suspend" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand suspend" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand reactivate" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand reactivate" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand reactivate" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand reactivate" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand reactivate" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand reactivate" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand reactivate" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand regenerate" -l overlap -d 'Seconds the old password keeps working' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand regenerate" -l out -d 'Write the secret to this new file (mode 0600) instead of standard output' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand regenerate" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand regenerate" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand regenerate" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand regenerate" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand regenerate" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand regenerate" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand regenerate" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand expiry" -l at-unix-ms -d 'Expires at this time (milliseconds since 1970-01-01 UTC)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand expiry" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand expiry" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand expiry" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand expiry" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand expiry" -l never -d 'Never expires'
complete -c fixprov -n "__fish_fixprov_using_subcommand expiry" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand expiry" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand expiry" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and not __fish_seen_subcommand_from allow disallow help" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and not __fish_seen_subcommand_from allow disallow help" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and not __fish_seen_subcommand_from allow disallow help" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and not __fish_seen_subcommand_from allow disallow help" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and not __fish_seen_subcommand_from allow disallow help" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and not __fish_seen_subcommand_from allow disallow help" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and not __fish_seen_subcommand_from allow disallow help" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and not __fish_seen_subcommand_from allow disallow help" -f -a "allow" -d 'Allow an address or a CIDR block'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and not __fish_seen_subcommand_from allow disallow help" -f -a "disallow" -d 'Remove an address or a CIDR block'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and not __fish_seen_subcommand_from allow disallow help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from allow" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from allow" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from allow" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from allow" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from allow" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from allow" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from allow" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from disallow" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from disallow" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from disallow" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from disallow" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from disallow" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from disallow" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from disallow" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from help" -f -a "allow" -d 'Allow an address or a CIDR block'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from help" -f -a "disallow" -d 'Remove an address or a CIDR block'
complete -c fixprov -n "__fish_fixprov_using_subcommand ip; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand credentials" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand credentials" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand credentials" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand credentials" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand credentials" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand credentials" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand credentials" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand sessions" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand sessions" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand sessions" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand sessions" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand sessions" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand sessions" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand sessions" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand kill" -l user -d 'Every session of this user' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand kill" -l session -d 'This session (its id, as `sessions` shows)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand kill" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand kill" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand kill" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand kill" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand kill" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand kill" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand kill" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand limits" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand limits" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand limits" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand limits" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand limits" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand limits" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand limits" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and not __fish_seen_subcommand_from list set move help" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and not __fish_seen_subcommand_from list set move help" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and not __fish_seen_subcommand_from list set move help" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and not __fish_seen_subcommand_from list set move help" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and not __fish_seen_subcommand_from list set move help" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and not __fish_seen_subcommand_from list set move help" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and not __fish_seen_subcommand_from list set move help" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and not __fish_seen_subcommand_from list set move help" -f -a "list" -d 'Every tier and its limits'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and not __fish_seen_subcommand_from list set move help" -f -a "set" -d 'Create or change a tier (live sessions on it take the new limits at once)'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and not __fish_seen_subcommand_from list set move help" -f -a "move" -d 'Move a user to another tier (live sessions included)'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and not __fish_seen_subcommand_from list set move help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from list" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from list" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from list" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from list" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from set" -l file -d 'The tier\'s spec as JSON (messages_per_sec, message_burst, orders_per_sec, ...; "-" reads standard input)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from set" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from set" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from set" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from set" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from set" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from move" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from move" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from move" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from move" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from move" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from move" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from move" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every tier and its limits'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from help" -f -a "set" -d 'Create or change a tier (live sessions on it take the new limits at once)'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from help" -f -a "move" -d 'Move a user to another tier (live sessions included)'
complete -c fixprov -n "__fish_fixprov_using_subcommand tiers; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and not __fish_seen_subcommand_from list set help" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and not __fish_seen_subcommand_from list set help" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and not __fish_seen_subcommand_from list set help" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and not __fish_seen_subcommand_from list set help" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and not __fish_seen_subcommand_from list set help" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and not __fish_seen_subcommand_from list set help" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and not __fish_seen_subcommand_from list set help" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and not __fish_seen_subcommand_from list set help" -f -a "list" -d 'Every tier\'s weights'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and not __fish_seen_subcommand_from list set help" -f -a "set" -d 'Set a tier\'s weights (JSON object: MsgType to weight, e.g. {"F": 0, "E": 5})'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and not __fish_seen_subcommand_from list set help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from list" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from list" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from list" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from list" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from set" -l file -d 'The weights as JSON ("-" reads standard input)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from set" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from set" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from set" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from set" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from set" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every tier\'s weights'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from help" -f -a "set" -d 'Set a tier\'s weights (JSON object: MsgType to weight, e.g. {"F": 0, "E": 5})'
complete -c fixprov -n "__fish_fixprov_using_subcommand weights; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and not __fish_seen_subcommand_from reset help" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and not __fish_seen_subcommand_from reset help" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and not __fish_seen_subcommand_from reset help" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and not __fish_seen_subcommand_from reset help" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and not __fish_seen_subcommand_from reset help" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and not __fish_seen_subcommand_from reset help" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and not __fish_seen_subcommand_from reset help" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and not __fish_seen_subcommand_from reset help" -f -a "reset" -d 'Reset the violation count of a user\'s sessions or of one session'
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and not __fish_seen_subcommand_from reset help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and __fish_seen_subcommand_from reset" -l user -d 'Every session of this user' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and __fish_seen_subcommand_from reset" -l session -d 'This session (its id, as `sessions` shows)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and __fish_seen_subcommand_from reset" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and __fish_seen_subcommand_from reset" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and __fish_seen_subcommand_from reset" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and __fish_seen_subcommand_from reset" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and __fish_seen_subcommand_from reset" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and __fish_seen_subcommand_from reset" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and __fish_seen_subcommand_from reset" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and __fish_seen_subcommand_from help" -f -a "reset" -d 'Reset the violation count of a user\'s sessions or of one session'
complete -c fixprov -n "__fish_fixprov_using_subcommand violations; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and not __fish_seen_subcommand_from list add remove enable disable help" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and not __fish_seen_subcommand_from list add remove enable disable help" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and not __fish_seen_subcommand_from list add remove enable disable help" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and not __fish_seen_subcommand_from list add remove enable disable help" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and not __fish_seen_subcommand_from list add remove enable disable help" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and not __fish_seen_subcommand_from list add remove enable disable help" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and not __fish_seen_subcommand_from list add remove enable disable help" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and not __fish_seen_subcommand_from list add remove enable disable help" -f -a "list" -d 'Every rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and not __fish_seen_subcommand_from list add remove enable disable help" -f -a "add" -d 'Add a rule from a JSON file (id, min_kyc_level, min_balance, groups, when, ...)'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and not __fish_seen_subcommand_from list add remove enable disable help" -f -a "remove" -d 'Remove a rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and not __fish_seen_subcommand_from list add remove enable disable help" -f -a "enable" -d 'Enable a rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and not __fish_seen_subcommand_from list add remove enable disable help" -f -a "disable" -d 'Disable a rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and not __fish_seen_subcommand_from list add remove enable disable help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from list" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from list" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from list" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from list" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from add" -l file -d 'The rule as JSON ("-" reads standard input)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from add" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from add" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from add" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from add" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from add" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from remove" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from remove" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from remove" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from remove" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from remove" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from enable" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from enable" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from enable" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from enable" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from enable" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from enable" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from disable" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from disable" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from disable" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from disable" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from disable" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from disable" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a rule from a JSON file (id, min_kyc_level, min_balance, groups, when, ...)'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "enable" -d 'Enable a rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "disable" -d 'Disable a rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand rules; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand override" -l threshold -d 'Another threshold for this user: a number, or an amount with its currency ("250000.00 USD")' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand override" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand override" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand override" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand override" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand override" -l disabled -d 'The rule does not apply to this user'
complete -c fixprov -n "__fish_fixprov_using_subcommand override" -l clear -d 'Remove the override'
complete -c fixprov -n "__fish_fixprov_using_subcommand override" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand override" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand override" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand bypass" -l reason -d 'Grant it, with this reason (audited)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand bypass" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand bypass" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand bypass" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand bypass" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand bypass" -l clear -d 'Withdraw it'
complete -c fixprov -n "__fish_fixprov_using_subcommand bypass" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand bypass" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand bypass" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand accounts" -l file -d 'The facts as a JSON object ("-" reads standard input)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand accounts" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand accounts" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand accounts" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand accounts" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand accounts" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand accounts" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand accounts" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and not __fish_seen_subcommand_from show reevaluate help" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and not __fish_seen_subcommand_from show reevaluate help" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and not __fish_seen_subcommand_from show reevaluate help" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and not __fish_seen_subcommand_from show reevaluate help" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and not __fish_seen_subcommand_from show reevaluate help" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and not __fish_seen_subcommand_from show reevaluate help" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and not __fish_seen_subcommand_from show reevaluate help" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and not __fish_seen_subcommand_from show reevaluate help" -f -a "show" -d 'A user\'s verdict, rule by rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and not __fish_seen_subcommand_from show reevaluate help" -f -a "reevaluate" -d 'Re-evaluate every provisioned user'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and not __fish_seen_subcommand_from show reevaluate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from show" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from show" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from show" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from show" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from show" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from reevaluate" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from reevaluate" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from reevaluate" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from reevaluate" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from reevaluate" -l suspend -d 'Suspend those no longer eligible'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from reevaluate" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from reevaluate" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from reevaluate" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from help" -f -a "show" -d 'A user\'s verdict, rule by rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from help" -f -a "reevaluate" -d 'Re-evaluate every provisioned user'
complete -c fixprov -n "__fish_fixprov_using_subcommand eligibility; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and not __fish_seen_subcommand_from list add-ed25519 generate-hmac revoke help" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and not __fish_seen_subcommand_from list add-ed25519 generate-hmac revoke help" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and not __fish_seen_subcommand_from list add-ed25519 generate-hmac revoke help" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and not __fish_seen_subcommand_from list add-ed25519 generate-hmac revoke help" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and not __fish_seen_subcommand_from list add-ed25519 generate-hmac revoke help" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and not __fish_seen_subcommand_from list add-ed25519 generate-hmac revoke help" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and not __fish_seen_subcommand_from list add-ed25519 generate-hmac revoke help" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and not __fish_seen_subcommand_from list add-ed25519 generate-hmac revoke help" -f -a "list" -d 'A user\'s logon keys'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and not __fish_seen_subcommand_from list add-ed25519 generate-hmac revoke help" -f -a "add-ed25519" -d 'Register a user\'s Ed25519 public key'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and not __fish_seen_subcommand_from list add-ed25519 generate-hmac revoke help" -f -a "generate-hmac" -d 'Generate an HMAC-SHA256 key for a user; its secret is shown this once'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and not __fish_seen_subcommand_from list add-ed25519 generate-hmac revoke help" -f -a "revoke" -d 'Revoke a logon key at once'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and not __fish_seen_subcommand_from list add-ed25519 generate-hmac revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from list" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from list" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from list" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from list" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from add-ed25519" -l id -d 'The key id (one is made otherwise)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from add-ed25519" -l expires-unix-ms -d 'Expires at this time (milliseconds since 1970-01-01 UTC)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from add-ed25519" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from add-ed25519" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from add-ed25519" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from add-ed25519" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from add-ed25519" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from add-ed25519" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from add-ed25519" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from generate-hmac" -l id -d 'The key id (one is made otherwise)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from generate-hmac" -l expires-unix-ms -d 'Expires at this time (milliseconds since 1970-01-01 UTC)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from generate-hmac" -l out -d 'Write the secret to this new file (mode 0600) instead of standard output' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from generate-hmac" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from generate-hmac" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from generate-hmac" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from generate-hmac" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from generate-hmac" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from generate-hmac" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from generate-hmac" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from revoke" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from revoke" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from revoke" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from revoke" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from revoke" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "list" -d 'A user\'s logon keys'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "add-ed25519" -d 'Register a user\'s Ed25519 public key'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "generate-hmac" -d 'Generate an HMAC-SHA256 key for a user; its secret is shown this once'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a logon key at once'
complete -c fixprov -n "__fish_fixprov_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and not __fish_seen_subcommand_from list set help" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and not __fish_seen_subcommand_from list set help" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and not __fish_seen_subcommand_from list set help" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and not __fish_seen_subcommand_from list set help" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and not __fish_seen_subcommand_from list set help" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and not __fish_seen_subcommand_from list set help" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and not __fish_seen_subcommand_from list set help" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and not __fish_seen_subcommand_from list set help" -f -a "list" -d 'Every tier\'s policy, and the users\' own'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and not __fish_seen_subcommand_from list set help" -f -a "set" -d 'Set a tier\'s or a user\'s policy'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and not __fish_seen_subcommand_from list set help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from list" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from list" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from list" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from list" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from set" -l tier -d 'For this tier' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from set" -l user -d 'For this user' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from set" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from set" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from set" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from set" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from set" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every tier\'s policy, and the users\' own'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from help" -f -a "set" -d 'Set a tier\'s or a user\'s policy'
complete -c fixprov -n "__fish_fixprov_using_subcommand logon-policy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and not __fish_seen_subcommand_from list set help" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and not __fish_seen_subcommand_from list set help" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and not __fish_seen_subcommand_from list set help" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and not __fish_seen_subcommand_from list set help" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and not __fish_seen_subcommand_from list set help" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and not __fish_seen_subcommand_from list set help" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and not __fish_seen_subcommand_from list set help" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and not __fish_seen_subcommand_from list set help" -f -a "list" -d 'Every tier\'s rule, and the users\' own'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and not __fish_seen_subcommand_from list set help" -f -a "set" -d 'Set a tier\'s or a user\'s rule (ISO 3166-1 alpha-2 codes)'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and not __fish_seen_subcommand_from list set help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from list" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from list" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from list" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from list" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from set" -l tier -d 'For this tier' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from set" -l user -d 'For this user' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from set" -l allow -d 'Only these countries (comma-separated)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from set" -l deny -d 'Never these countries (comma-separated)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from set" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from set" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from set" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from set" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from set" -l clear -d 'Remove the rule (a user goes back to its tier\'s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from set" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every tier\'s rule, and the users\' own'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from help" -f -a "set" -d 'Set a tier\'s or a user\'s rule (ISO 3166-1 alpha-2 codes)'
complete -c fixprov -n "__fish_fixprov_using_subcommand country-rules; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and not __fish_seen_subcommand_from show set help" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and not __fish_seen_subcommand_from show set help" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and not __fish_seen_subcommand_from show set help" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and not __fish_seen_subcommand_from show set help" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and not __fish_seen_subcommand_from show set help" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and not __fish_seen_subcommand_from show set help" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and not __fish_seen_subcommand_from show set help" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and not __fish_seen_subcommand_from show set help" -f -a "show" -d 'The pool: its size and which CompIDs are free'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and not __fish_seen_subcommand_from show set help" -f -a "set" -d 'Declare the pool\'s size (takes effect in the FIX engine at its next planned restart)'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and not __fish_seen_subcommand_from show set help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from show" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from show" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from show" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from show" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from show" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from set" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from set" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from set" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from set" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from set" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from help" -f -a "show" -d 'The pool: its size and which CompIDs are free'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from help" -f -a "set" -d 'Declare the pool\'s size (takes effect in the FIX engine at its next planned restart)'
complete -c fixprov -n "__fish_fixprov_using_subcommand comp-id-pool; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand stats" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand stats" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand stats" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand stats" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand stats" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand stats" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand stats" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand fleet" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand fleet" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand fleet" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand fleet" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand fleet" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand fleet" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand fleet" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand metrics" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand metrics" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand metrics" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand metrics" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand metrics" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand metrics" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand metrics" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and not __fish_seen_subcommand_from query export verify help" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and not __fish_seen_subcommand_from query export verify help" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and not __fish_seen_subcommand_from query export verify help" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and not __fish_seen_subcommand_from query export verify help" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and not __fish_seen_subcommand_from query export verify help" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and not __fish_seen_subcommand_from query export verify help" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and not __fish_seen_subcommand_from query export verify help" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and not __fish_seen_subcommand_from query export verify help" -f -a "query" -d 'Audit records (a page of at most 1,000; page with --after-seq)'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and not __fish_seen_subcommand_from query export verify help" -f -a "export" -d 'Every matching record as JSON lines, to a file or standard output'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and not __fish_seen_subcommand_from query export verify help" -f -a "verify" -d 'Verify the audit log\'s hash chain'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and not __fish_seen_subcommand_from query export verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from query" -l user -d 'Records about this user' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from query" -l event -d 'Events starting with this (credential., session.kill, ...)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from query" -l from-unix-ms -d 'From this time (milliseconds since 1970-01-01 UTC)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from query" -l to-unix-ms -d 'Until this time (milliseconds since 1970-01-01 UTC)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from query" -l after-seq -d 'After this sequence number (paging)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from query" -l limit -d 'At most this many records' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from query" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from query" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from query" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from query" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from query" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from query" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from query" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -l user -d 'Records about this user' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -l event -d 'Events starting with this (credential., session.kill, ...)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -l from-unix-ms -d 'From this time (milliseconds since 1970-01-01 UTC)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -l to-unix-ms -d 'Until this time (milliseconds since 1970-01-01 UTC)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -l after-seq -d 'After this sequence number (paging)' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -l limit -d 'At most this many records' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -l out -d 'Write to this new file instead of standard output' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from verify" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from verify" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from verify" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from verify" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from verify" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "query" -d 'Audit records (a page of at most 1,000; page with --after-seq)'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "export" -d 'Every matching record as JSON lines, to a file or standard output'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Verify the audit log\'s hash chain'
complete -c fixprov -n "__fish_fixprov_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand openapi" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand openapi" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand openapi" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand openapi" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand openapi" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand openapi" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand openapi" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand health" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand health" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand health" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand health" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand health" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand health" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand health" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand completions" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand completions" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand completions" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand completions" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand completions" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand completions" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand completions" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand man" -l url -d 'The admin API\'s base URL, e.g. http://127.0.0.1:8080' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand man" -l token-file -d 'A file holding the admin token (mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand man" -l config -d 'The config file (TOML with `url` and `token`; mode 0600)' -r -F
complete -c fixprov -n "__fish_fixprov_using_subcommand man" -l timeout -d 'Seconds to wait for the gateway\'s answer' -r
complete -c fixprov -n "__fish_fixprov_using_subcommand man" -l json -d 'Print the gateway\'s JSON answer instead of a table'
complete -c fixprov -n "__fish_fixprov_using_subcommand man" -s h -l help -d 'Print help'
complete -c fixprov -n "__fish_fixprov_using_subcommand man" -s V -l version -d 'Print version'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "provision" -d 'Provision FIX access for a user: CompIDs and a password shown this once'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "revoke" -d 'Revoke a user\'s FIX access for good (live sessions are logged out)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "suspend" -d 'Suspend a user (live sessions are logged out; logons refused until reactivated)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "reactivate" -d 'Reactivate a suspended user'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "regenerate" -d 'Give a user a new password, shown this once'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "expiry" -d 'Set or clear a credential\'s expiry'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "ip" -d 'A user\'s IP allow-list'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "credentials" -d 'Credentials: every user\'s, or one user\'s'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "sessions" -d 'Live sessions: every one, or one user\'s'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "kill" -d 'Kill a session, or every session of a user (each is logged out)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "limits" -d 'Each user\'s tier and rate limits'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "tiers" -d 'Rate-limit tiers'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "weights" -d 'Message weights per tier'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "violations" -d 'Rate-limit violations'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "rules" -d 'Eligibility rules'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "override" -d 'Override one rule for one user'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "bypass" -d 'Grant or withdraw an eligibility bypass'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "accounts" -d 'Set a user\'s account facts (JSON: kyc_level, balance, volume_30d, groups, ...)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "eligibility" -d 'Eligibility'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "keys" -d 'Logon keys for signed logons (Ed25519, HMAC-SHA256)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "logon-policy" -d 'Logon policies (password, signature, password+signature)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "country-rules" -d 'Countries tiers and users may log on from'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "comp-id-pool" -d 'The pool of SenderCompIDs declared ahead in the FIX engine'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "stats" -d 'Users, credentials, sessions, messages, logons and top violators'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "fleet" -d 'Fleet mode: this gateway, its catch-up and every gateway\'s session leases'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "metrics" -d 'The Prometheus metrics, as the gateway serves them'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "audit" -d 'The audit log'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "openapi" -d 'The admin API\'s OpenAPI document'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "health" -d 'Whether the gateway\'s admin API answers (no token needed)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "man" -d 'Print the man page (roff)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and not __fish_seen_subcommand_from provision revoke suspend reactivate regenerate expiry ip credentials sessions kill limits tiers weights violations rules override bypass accounts eligibility keys logon-policy country-rules comp-id-pool stats fleet metrics audit openapi health completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from ip" -f -a "allow" -d 'Allow an address or a CIDR block'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from ip" -f -a "disallow" -d 'Remove an address or a CIDR block'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from tiers" -f -a "list" -d 'Every tier and its limits'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from tiers" -f -a "set" -d 'Create or change a tier (live sessions on it take the new limits at once)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from tiers" -f -a "move" -d 'Move a user to another tier (live sessions included)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from weights" -f -a "list" -d 'Every tier\'s weights'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from weights" -f -a "set" -d 'Set a tier\'s weights (JSON object: MsgType to weight, e.g. {"F": 0, "E": 5})'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from violations" -f -a "reset" -d 'Reset the violation count of a user\'s sessions or of one session'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from rules" -f -a "list" -d 'Every rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from rules" -f -a "add" -d 'Add a rule from a JSON file (id, min_kyc_level, min_balance, groups, when, ...)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from rules" -f -a "remove" -d 'Remove a rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from rules" -f -a "enable" -d 'Enable a rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from rules" -f -a "disable" -d 'Disable a rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from eligibility" -f -a "show" -d 'A user\'s verdict, rule by rule'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from eligibility" -f -a "reevaluate" -d 'Re-evaluate every provisioned user'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "list" -d 'A user\'s logon keys'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "add-ed25519" -d 'Register a user\'s Ed25519 public key'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "generate-hmac" -d 'Generate an HMAC-SHA256 key for a user; its secret is shown this once'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "revoke" -d 'Revoke a logon key at once'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from logon-policy" -f -a "list" -d 'Every tier\'s policy, and the users\' own'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from logon-policy" -f -a "set" -d 'Set a tier\'s or a user\'s policy'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from country-rules" -f -a "list" -d 'Every tier\'s rule, and the users\' own'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from country-rules" -f -a "set" -d 'Set a tier\'s or a user\'s rule (ISO 3166-1 alpha-2 codes)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from comp-id-pool" -f -a "show" -d 'The pool: its size and which CompIDs are free'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from comp-id-pool" -f -a "set" -d 'Declare the pool\'s size (takes effect in the FIX engine at its next planned restart)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "query" -d 'Audit records (a page of at most 1,000; page with --after-seq)'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "export" -d 'Every matching record as JSON lines, to a file or standard output'
complete -c fixprov -n "__fish_fixprov_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Verify the audit log\'s hash chain'
