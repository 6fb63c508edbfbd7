import MuiTableHead, { TableHeadProps } from '@material-ui/core/TableHead';
import { makeStyles } from '@material-ui/core/styles';

const useStyles = makeStyles({
  head: {
    '& th': {
      whiteSpace: 'nowrap',
      wordBreak: 'normal',
    },
  },
});

/**
 * A table head whose headers never break inside a word ("Environmen t"):
 * the column is as wide as its header.
 */
export const TableHead = (props: TableHeadProps) => {
  const classes = useStyles();
  return (
    <MuiTableHead
      {...props}
      className={[classes.head, props.className].filter(Boolean).join(' ')}
    />
  );
};
