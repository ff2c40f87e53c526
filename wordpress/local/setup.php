<?php
// scripts/wordpress.sh's headless installer (no wp-cli), configured by its RRWP_* environment.
// `setup.php install` runs wp_install(). `setup.php provision` runs in a second process, which
// loads WordPress with pretty permalinks on (so the post type's rewrite rules get built) and with
// the mu-plugin's role set up; it creates the users and application passwords and prints the
// credentials lines.
if (PHP_SAPI !== 'cli') exit(1);
$url = getenv('RRWP_URL');
$_SERVER['HTTP_HOST'] = parse_url($url, PHP_URL_HOST) . ':' . parse_url($url, PHP_URL_PORT);
$_SERVER['SERVER_NAME'] = parse_url($url, PHP_URL_HOST);
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';
$docroot = getenv('RRWP_DOCROOT');
$keys = explode(' ', getenv('RRWP_KEYS'));
$env = function ($key, $field) { return (string) getenv("RRWP_{$key}_{$field}"); };

if (($argv[1] ?? '') === 'install') {
    define('WP_INSTALLING', true);
    // wp_install() mails the admin and there is no MTA. upgrade.php defines this pluggable
    // function only if it does not exist yet.
    function wp_new_blog_notification() {}
    require $docroot . '/wp-load.php';
    require_once ABSPATH . 'wp-admin/includes/upgrade.php';
    if (is_blog_installed()) { echo "already installed\n"; exit(0); }
    $login = $env($keys[0], 'USER');
    wp_install('Restart Registry (local)', $login, $env($keys[0], 'EMAIL'), false, '', $env($keys[0], 'PASSWORD'));
    // No flush here: this process registered the post type while permalinks were still off.
    update_option('permalink_structure', '/%postname%/');
    echo "installed\n";
    exit(0);
}

require $docroot . '/wp-load.php';
if (!get_role('registry_user')) { fwrite(STDERR, "role registry_user missing: is the mu-plugin loaded?\n"); exit(1); }
flush_rewrite_rules(false);
$app_name = 'scripts/wordpress.sh';
foreach ($keys as $key) {
    $login = $env($key, 'USER');
    $role = $env($key, 'ROLE');
    $pass = $env($key, 'PASSWORD');
    $u = get_user_by('login', $login);
    if (!$u) {
        $id = wp_insert_user(array('user_login' => $login, 'user_pass' => $pass, 'user_email' => $env($key, 'EMAIL'),
                                   'display_name' => ucfirst($login), 'role' => $role));
        if (is_wp_error($id)) { fwrite(STDERR, "$login: " . $id->get_error_message() . "\n"); exit(1); }
        $u = get_user_by('id', $id);
    } else {
        if (!wp_check_password($pass, $u->user_pass, $u->ID)) wp_set_password($pass, $u->ID);
        if (array_values($u->roles) !== array($role)) $u->set_role($role);
    }
    // Keep the application password from the last credentials file while it still verifies.
    $old = $env($key, 'OLD_APP_PASSWORD');
    $app = null;
    foreach (WP_Application_Passwords::get_user_application_passwords($u->ID) as $item) {
        if ($item['name'] !== $app_name) continue;
        if ($app === null && $old !== '' && wp_check_password($old, $item['password'], $u->ID)) { $app = $old; continue; }
        WP_Application_Passwords::delete_application_password($u->ID, $item['uuid']);
    }
    if ($app === null) {
        $new = WP_Application_Passwords::create_new_application_password($u->ID, array('name' => $app_name));
        if (is_wp_error($new)) { fwrite(STDERR, "$login: " . $new->get_error_message() . "\n"); exit(1); }
        $app = $new[0];
    }
    printf("WP_%s_ID=%d\nWP_%s_USER=%s\nWP_%s_EMAIL=%s\nWP_%s_ROLE=%s\nWP_%s_PASSWORD=%s\nWP_%s_APP_PASSWORD=%s\n",
           $key, $u->ID, $key, $login, $key, $u->user_email, $key, $role, $key, $pass, $key, $app);
}
