// The header's user menu: who is acting (name, policy, whether personal data is hidden from
// them) and, on opening, the other enabled users to act as instead, and the About box.
//
// Test ids: `user-menu` (the button), `user-pii-restricted` (its badge), `switch-user-<name>`
// (a menu item per other enabled user, the name as it is), `user-menu-note`, `about-open`.
import {
  Badge,
  Button,
  Caption1,
  Menu,
  MenuGroup,
  MenuDivider,
  MenuGroupHeader,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { ChevronDownRegular, InfoRegular, PersonRegular } from '@fluentui/react-icons';
import { useState } from 'react';
import { usePermissions, useSwitchUser, useUsers } from '../../api/users';
import type { UserView } from '../../api/types';
import { useNotify } from '../../lib/notify';
import { AboutDialog } from '../about/AboutDialog';

const useStyles = makeStyles({
  button: { minWidth: 0, maxWidth: '360px', gap: tokens.spacingHorizontalS },
  who: { display: 'flex', flexDirection: 'column', alignItems: 'flex-start', minWidth: 0, textAlign: 'start' },
  name: { maxWidth: '200px', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' },
  muted: { color: tokens.colorNeutralForeground3 },
  popover: { maxWidth: '340px' },
  note: {
    display: 'block',
    padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalS} ${tokens.spacingVerticalXS}`,
    color: tokens.colorNeutralForeground3,
  },
});

export function UserMenu() {
  const styles = useStyles();
  const notify = useNotify();
  const { me, can } = usePermissions();
  const users = useUsers(can('listUsers'));
  const switchUser = useSwitchUser();
  const [aboutOpen, setAboutOpen] = useState(false);
  if (!me) return null;

  const acting = me.user;
  const others = (users.data ?? []).filter((u) => !u.disabled && u.id !== acting.id);
  const choose = (u: UserView) =>
    switchUser.mutate(u.id, {
      onSuccess: (now) => notify(`Now acting as ${now.user.name}`),
      onError: (e) => notify(e.message, 'error'),
    });

  return (
    <>
      <Menu positioning={{ position: 'below', align: 'end' }}>
        <MenuTrigger disableButtonEnhancement>
          <Button
            appearance="subtle"
            className={styles.button}
            icon={<PersonRegular />}
            iconPosition="before"
            data-testid="user-menu"
            data-user={acting.name}
            data-policy={acting.policy}
            title="Who is using Ferry: open to act as another user, or to see which version this is"
          >
            <span className={styles.who}>
              <Text weight="semibold" className={styles.name}>
                {acting.name}
              </Text>
              <Caption1 className={styles.muted}>{acting.policyLabel}</Caption1>
            </span>
            {acting.restrictPii && (
              <Badge appearance="tint" color="warning" size="small" data-testid="user-pii-restricted">
                PII restricted
              </Badge>
            )}
            <ChevronDownRegular aria-hidden />
          </Button>
        </MenuTrigger>
        <MenuPopover className={styles.popover}>
          {/* One list, so the arrow keys reach every item, About included. */}
          <MenuList>
            <MenuGroup>
              <MenuGroupHeader>Act as another user</MenuGroupHeader>
              {users.isPending && can('listUsers') && <MenuItem disabled>Loading users…</MenuItem>}
              {users.isError && <MenuItem disabled>{`Could not list the users: ${users.error.message}`}</MenuItem>}
              {users.data && others.length === 0 && <MenuItem disabled>There is no other enabled user.</MenuItem>}
              {others.map((u) => (
                <MenuItem
                  key={u.id}
                  icon={<PersonRegular />}
                  data-testid={`switch-user-${u.name}`}
                  secondaryContent={u.restrictPii ? `${u.policyLabel} · PII restricted` : u.policyLabel}
                  disabled={switchUser.isPending}
                  onClick={() => choose(u)}
                >
                  {u.name}
                </MenuItem>
              ))}
              <Caption1 className={styles.note} data-testid="user-menu-note">
                Switching is for sharing this computer, not a security boundary: anyone here can switch. Each switch is
                recorded in the activity log.
              </Caption1>
            </MenuGroup>
            <MenuDivider />
            <MenuItem icon={<InfoRegular />} data-testid="about-open" onClick={() => setAboutOpen(true)}>
              About Ferry
            </MenuItem>
          </MenuList>
        </MenuPopover>
      </Menu>
      <AboutDialog open={aboutOpen} onClose={() => setAboutOpen(false)} />
    </>
  );
}
