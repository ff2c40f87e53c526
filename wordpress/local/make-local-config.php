<?php
// Prints the state dir's local-config.php, which wp-config.php reads: this instance's values,
// passed by scripts/wordpress.sh in the environment and quoted here by var_export.
echo "<?php\n// Written by scripts/wordpress.sh on every start.\nreturn ", var_export(array(
    'db_password' => (string) getenv('RRWP_DB_PASSWORD'),
    'db_socket' => (string) getenv('RRWP_DB_SOCKET'),
    'url' => (string) getenv('RRWP_URL'),
), true), ";\n";
